"""Match a description against every name of the listed companies.

Five ways in, tried in this order for each distinct description (cached per index):

1. **Chinese script**: the core of a name in Chinese characters equals a listed one.
2. **Exact**: the canonical tokens (:func:`names.parse`) equal a listed name's, in any order.
   Among several companies sharing a bare a.k.a. (``CHINA TELECOM``), the legal form decides
   (``CHINA TELECOM CORP LTD`` is CHINA TELECOM CORPORATION LIMITED, not its parent).
3. **Near**: each word of the description is aligned with a word of a listed name (equal,
   abbreviated, cut off at the end of a fixed-width column, or mistyped, via rapidfuzz), then
   the differences are judged: an extra or missing *distinctive* word means another company
   (no match); a cut-off tail, a parent/subsidiary word, an added generic word or place, a
   spelling slip or a foreign legal form leave a ``review``; only a listed name up to places,
   trailing descriptors and a cut-off last word is ``confirmed``. Two companies confirmed by
   near names, or one whose name another company's name extends past a cut, confirm neither.
4. **Cut-off generic names**: a long description made only of shared words (``CHINA
   COMMUNICATIONS``) that begins a listed name is a review.
5. **Relation**: equal but for GROUP/HOLDING is a review (possible unlisted parent or
   subsidiary, no 50 Percent Rule).

Descriptions with a distinctive word that no listed name has (nearly every holding) are ruled
out after a few dictionary look-ups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from portfolio_guard import names

Level = Literal["confirmed", "review"]
NameKind = Literal["primary", "alias", "weak_alias", "issuer", "other", "market"]

# Per-token similarity that still counts as the same word (typos, transliteration slips).
TOKEN_TYPO_RATIO = 90.0
# Weighted name similarity (0-1) needed to confirm, and to be worth a person's time at all.
CONFIRM_MIN = 0.90
REVIEW_MIN = 0.70
CACHE_SIZE = 65536
_VOWELS = frozenset("AEIOU")
_MIN_CUT_EVIDENCE = 4  # a cut-off description must share a distinctive word this long

KIND_WORDS: dict[NameKind, str] = {
    "primary": "the listed name",
    "alias": "a.k.a.",
    "weak_alias": "weak a.k.a.",
    "issuer": "issuer name",
    "other": "name in another script",
    "market": "market name",
}


@dataclass(frozen=True, slots=True)
class NameRef:
    """One listed name of one entity, prepared for matching."""

    uid: int
    text: str
    kind: NameKind
    toks: tuple[str, ...]
    forms: frozenset[str]
    distinct: frozenset[str]
    weak: bool  # OFAC's weak alias, or a bare short word: only ever a review
    weight: float
    form_at: int  # how many words precede the first legal form (all of them if none)

    @classmethod
    def build(cls, uid: int, text: str, kind: NameKind) -> NameRef:
        parsed = names.parse(text)
        toks = parsed.tokens
        return cls(
            uid,
            text,
            kind,
            toks,
            parsed.forms,
            names.distinctive(toks),
            kind == "weak_alias" or names.acronym_like(text),
            sum(names.weight(t) for t in toks),
            parsed.form_at,
        )


@dataclass(frozen=True, slots=True)
class NameHit:
    """The best evidence that a description names one listed entity."""

    ref: NameRef
    score: float
    exact: bool
    doubts: tuple[str, ...]
    relation: bool  # differs only by GROUP/HOLDING-style words (OFAC FAQ 857)

    @property
    def level(self) -> Level:
        return "review" if self.doubts or self.ref.weak else "confirmed"

    def doubted(self, doubt: str) -> NameHit:
        return replace(self, doubts=(*self.doubts, doubt))


@dataclass(frozen=True, slots=True)
class _Desc:
    """A description prepared for comparison: tokens and what each may stand for."""

    toks: tuple[str, ...]
    forms: frozenset[str]
    open_end: bool
    # per token: (vocabulary word, how, similarity), best first
    options: tuple[tuple[tuple[str, str, float], ...], ...]


@dataclass(frozen=True, slots=True)
class _Verdict:
    hit: NameHit
    extends: bool  # the listed name goes on past the end of a possibly cut description
    stub: str  # how a cut-off last word was treated: "aligned", "excused" or ""


def relation_doubt(words: Iterable[str]) -> str:
    return (
        f"it differs by {', '.join(sorted(set(words)))}: possibly an unlisted parent or "
        "subsidiary (no 50 Percent Rule, OFAC FAQ 857)"
    )


class NameIndex:
    """All listed names, indexed for the five ways in; immutable once built."""

    def __init__(self, refs: Iterable[NameRef]) -> None:
        all_refs = list(refs)
        self.refs = [r for r in all_refs if r.toks]
        self._cjk: dict[str, list[NameRef]] = {}
        for ref in all_refs:
            core = names.parse(ref.text).cjk
            if core:
                self._cjk.setdefault(core, []).append(ref)
        self._exact: dict[tuple[str, ...], list[NameRef]] = {}
        self._unrelated: dict[tuple[str, ...], list[NameRef]] = {}
        self._by_token: dict[str, list[NameRef]] = {}
        self._by_start: dict[tuple[str, ...], list[NameRef]] = {}
        self.entity_tokens: dict[int, set[str]] = {}
        self.entity_forms: dict[int, set[str]] = {}
        for ref in self.refs:
            self._exact.setdefault(tuple(sorted(ref.toks)), []).append(ref)
            self._unrelated.setdefault(_without_relation(ref.toks), []).append(ref)
            for tok in ref.distinct:
                self._by_token.setdefault(tok, []).append(ref)
            for k in range(1, len(ref.toks)):
                self._by_start.setdefault(ref.toks[:k], []).append(ref)
            self.entity_tokens.setdefault(ref.uid, set()).update(ref.toks)
            self.entity_forms.setdefault(ref.uid, set()).update(ref.forms)
        vocab = sorted({t for r in self.refs for t in r.toks})
        self._vocab = frozenset(vocab)
        self._prefixes: dict[str, set[str]] = {}
        for word in vocab:
            for end in range(1, len(word)):
                self._prefixes.setdefault(word[:end], set()).add(word)
        # A cut-off plural or variant (INDUSTRI, TECHNOLOGIE) begins the raw word, not the
        # canonical one, so the raw spellings' beginnings lead to the canonical word too.
        for raw, canon in names.ABBREVIATIONS.items():
            if len(raw) >= 6 and canon in self._vocab:
                for end in range(1, len(raw) + 1):
                    if raw[:end] != canon:
                        self._prefixes.setdefault(raw[:end], set()).add(canon)
        self._long_vocab = [w for w in vocab if len(w) >= 6]
        self._by_initial: dict[str, list[str]] = {}
        for word in vocab:
            self._by_initial.setdefault(word[0], []).append(word)
        self._resolve = lru_cache(maxsize=CACHE_SIZE)(self._resolve_uncached)
        # The outcome depends on the parsed name only: descriptions that differ in numbers,
        # case, punctuation or wrapper words (one company's many lines) are judged once.
        self._by_parse = lru_cache(maxsize=CACHE_SIZE)(self._match_parsed)
        self.match = lru_cache(maxsize=CACHE_SIZE)(self._match_uncached)

    # -- the five ways in ----------------------------------------------------------------

    def _match_uncached(self, text: str) -> tuple[NameHit, ...]:
        """Best hit per entity, confirmed first; never raises."""
        return self._by_parse(names.parse(text))

    def _match_parsed(self, parsed: names.ParsedName) -> tuple[NameHit, ...]:
        best: dict[int, NameHit] = {}
        for ref in self._cjk.get(parsed.cjk, ()) if parsed.cjk else ():
            _keep(best, NameHit(ref, 1.0, True, (), False))
        toks = parsed.tokens
        if not toks:
            return _ordered(best)
        exact = self._exact_hits(parsed)
        if exact:
            for hit in exact.values():
                _keep(best, hit)
            return _ordered(best)
        desc = self._describe(parsed)
        if desc is not None:
            for hit in self._near(desc).values():
                _keep(best, hit)
            settled = toks[:-1] if desc.open_end else toks
            if desc.open_end and not any(names.is_distinctive(t) for t in settled):
                for hit in self._cut_generic(desc):
                    _keep(best, hit)
        for ref in self._unrelated.get(_without_relation(toks), ()):
            if ref.uid in best and best[ref.uid].level == "confirmed":
                continue
            words = set(toks) ^ set(ref.toks)
            wt = sum(names.weight(t) for t in toks)
            score = 2.0 * min(wt, ref.weight) / (wt + ref.weight) if wt + ref.weight else 0.0
            doubts = (relation_doubt(words), *self._form_doubts(parsed.forms, ref))
            _keep(best, NameHit(ref, score, False, doubts, True))
        return _ordered(best)

    def _exact_hits(self, parsed: names.ParsedName) -> dict[int, NameHit]:
        toks, forms = parsed.tokens, parsed.forms
        refs = self._exact.get(tuple(sorted(toks)), [])
        last = toks[-1]
        if (
            not refs
            and parsed.open_end
            and len(toks) > 1
            and names.noise_prefix(last)
            and last not in self._prefixes
            and last not in self._vocab
        ):
            # "CHINA MOBILE LTD SPONSORED ADR EACH RE", "CHINA TELECOM CORPOR": the cut-off
            # word can only be wrapper or legal-form text.
            refs = self._exact.get(tuple(sorted(toks[:-1])), [])
            completed = names.legal_completion(last)
            forms = forms | {completed} if completed else forms
        hits: dict[int, NameHit] = {}
        for ref in refs:
            _keep(hits, NameHit(ref, 1.0, True, tuple(self._form_doubts(forms, ref)), False))
        return _most_specific(hits, refs, forms)

    def _describe(self, parsed: names.ParsedName) -> _Desc | None:
        """Token options for near comparison; None when a distinctive word of the text has
        no counterpart in any listed name, so nothing can match (the common, fast case)."""
        toks = parsed.tokens
        last = len(toks) - 1
        options = []
        for i, tok in enumerate(toks):
            cut = i == last and parsed.open_end
            opts = self._resolve(tok, cut)
            if cut and parsed.tail != tok:
                # ELEC may begin ELECTRICAL although the table reads it as ELECTRONIC.
                opts = tuple(dict.fromkeys(opts + self._resolve(parsed.tail, cut)))
            if not opts and names.is_distinctive(tok) and not (cut and names.noise_prefix(tok)):
                return None
            options.append(opts)
        return _Desc(toks, parsed.forms, parsed.open_end, tuple(options))

    def _resolve_uncached(self, tok: str, cut: bool) -> tuple[tuple[str, str, float], ...]:
        """What a description word may stand for in the listed names' vocabulary."""
        out: list[tuple[str, str, float]] = []
        if tok in self._vocab:
            out.append((tok, "exact", 1.0))
            if not cut:
                return tuple(out)
        if cut or len(tok) >= 4:
            how = "cut" if cut else "abbreviation"
            out.extend((w, how, 0.9) for w in sorted(self._prefixes.get(tok, ())))
        if out:
            return tuple(out)
        # Consonant abbreviations (NTWK, OPTRNC): first letter kept, vowels dropped.
        if len(tok) >= 3 and not (set(tok[1:]) & _VOWELS):
            out.extend(
                (w, "abbreviation", 0.85)
                for w in self._by_initial.get(tok[0], ())
                if len(w) > len(tok) and _subsequence(tok, w)
            )
        if not out and len(tok) >= 6:
            for word, score, _ in process.extract(
                tok, self._long_vocab, scorer=fuzz.ratio, score_cutoff=TOKEN_TYPO_RATIO, limit=3
            ):
                out.append((word, "typo", score / 100.0))
        return tuple(out)

    def _candidates(self, desc: _Desc) -> Iterator[NameRef]:
        seen: set[int] = set()
        for opts in desc.options:
            for word, _, _ in opts:
                for ref in self._by_token.get(word, ()):
                    if id(ref) not in seen:
                        seen.add(id(ref))
                        yield ref

    def _near(self, desc: _Desc) -> dict[int, NameHit]:
        verdicts = [v for ref in self._candidates(desc) if (v := self._compare(desc, ref))]
        if any(v.stub == "aligned" for v in verdicts):
            # One name takes the cut-off word as its own ("... SCIENCE AND T" = TECHNOLOGY):
            # names that merely ignore it are less likely.
            verdicts = [v for v in verdicts if v.stub != "excused"]
        if desc.forms:
            specific = {
                v.hit.ref.uid
                for v in verdicts
                if v.hit.level == "confirmed" and v.hit.ref.forms and v.hit.ref.forms >= desc.forms
            }
            if specific:
                verdicts = [
                    v for v in verdicts if v.hit.level != "confirmed" or v.hit.ref.uid in specific
                ]
        best: dict[int, NameHit] = {}
        for v in verdicts:
            _keep(best, v.hit)
        confirmed = [h for h in best.values() if h.level == "confirmed"]
        if not confirmed:
            return best
        rivals: dict[int, NameRef] = {h.ref.uid: h.ref for h in confirmed}
        for v in verdicts:
            if v.extends:
                rivals.setdefault(v.hit.ref.uid, v.hit.ref)
        for hit in confirmed:
            others = [ref for uid, ref in sorted(rivals.items()) if uid != hit.ref.uid]
            if others:
                listed = ", ".join(repr(ref.text) for ref in others)
                best[hit.ref.uid] = hit.doubted(f"it is as close to {listed}")
        return best

    def _compare(self, desc: _Desc, ref: NameRef) -> _Verdict | None:
        """Align the description's words with one listed name and judge the differences."""
        d, r = desc.toks, ref.toks
        used = [False] * len(r)
        pair: list[tuple[int, str, float] | None] = [None] * len(d)
        for i, tok in enumerate(d):
            slot = _free(r, used, tok)
            if slot is not None:
                pair[i] = (slot, "exact", 1.0)
                used[slot] = True
        for i, opts in enumerate(desc.options):
            if pair[i] is not None:
                continue
            for word, how, sim in opts:
                slot = _free(r, used, word)
                if slot is not None:
                    pair[i] = (slot, how, sim)
                    used[slot] = True
                    break
        last = len(d) - 1
        stub = ""
        end = pair[last]
        if desc.open_end and end is not None and end[1] == "cut":
            stub = "aligned"
        extra_generic: list[str] = []
        extra_relation: list[str] = []
        extra_place: list[str] = []
        own_words = self.entity_tokens[ref.uid]
        for i, tok in enumerate(d):
            if pair[i] is not None:
                continue
            if i == last and desc.open_end and names.noise_prefix(tok):
                stub = "excused"  # the cut-off start of a wrapper or legal-form word
            elif names.is_relation(tok):
                extra_relation.append(tok)
            elif names.is_place(tok):
                if tok not in own_words:
                    extra_place.append(tok)
            elif names.is_generic(tok):
                extra_generic.append(tok)
            else:
                return None  # a distinctive word the listed name lacks: another company
        aligned = [p for p in pair if p is not None]
        # A match rests on a distinctive word, written out or at least begun (HIKV...).
        evidence = [
            r[p[0]]
            for tok, p in zip(d, pair, strict=True)
            if p is not None
            and names.is_distinctive(r[p[0]])
            and (p[1] != "cut" or len(tok) >= _MIN_CUT_EVIDENCE)
        ]
        if not evidence:
            return None
        last_aligned = max(j for j, _, _ in aligned)
        missing = [j for j in range(len(r)) if not used[j] and not names.is_place(r[j])]
        # Words a fixed-width cut may have taken: those after the last one written, and,
        # once the description has reached its legal form, only those after the name's own.
        cut_from = last_aligned + 1
        if desc.forms:
            cut_from = max(cut_from, ref.form_at)
        tail = [j for j in missing if j >= cut_from] if desc.open_end else []
        gone = [j for j in missing if j not in tail]
        if any(names.is_distinctive(r[j]) for j in gone):
            return None  # a distinctive word of the listed name is not there: another company
        if (extra_generic or extra_place) and missing:
            # One word swapped for another (SERVICES for GROUP, SHENZHEN for CHINA).
            return None
        cut_short = any(not names.is_generic(r[j]) for j in tail) or (stub == "excused" and tail)
        if cut_short and max(len(w) for w in evidence) < _MIN_CUT_EVIDENCE:
            return None
        missing_relation = [r[j] for j in gone if names.is_relation(r[j])]
        # Generic words left out inside the name (CHINA of CHINA MOBILE) cast doubt; trailing
        # descriptors (TECHNOLOGY, INTERNATIONAL) are routinely dropped.
        inner = [r[j] for j in gone if names.is_generic(r[j]) and j < last_aligned]
        dropped = [j for j in gone if names.is_generic(r[j])]
        if len(set(evidence)) < 2 and (inner or len(dropped) > 1):
            return None  # one shared word is too little to stand for a name with more left out

        doubts: list[str] = []
        relation = bool(extra_relation or missing_relation)
        if cut_short:
            doubts.append("the description may be a longer name cut short")
        if relation:
            doubts.append(relation_doubt(extra_relation + missing_relation))
        if extra_generic:
            doubts.append(f"it adds {', '.join(extra_generic)}")
        if extra_place:
            doubts.append(f"it adds {', '.join(extra_place)}, which no listed name has")
        if any(how == "typo" for _, how, _ in aligned):
            doubts.append("words are spelled differently")
        if inner:
            doubts.append(f"it leaves out {', '.join(inner)}")
        places = [w for j, w in enumerate(r) if not used[j] and names.is_place(w)]
        if places and len(set(evidence)) < 2 and max(len(w) for w in evidence) < 7:
            # NANJING PANDA without NANJING is one short word: many companies are PANDA.
            doubts.append(f"it leaves out {', '.join(places)}")
        doubts.extend(self._form_doubts(desc.forms, ref))

        matched = sum(names.weight(r[j]) * sim for j, _, sim in aligned)
        mine = sum(
            names.weight(r[p[0]]) if p is not None else names.weight(tok)
            for tok, p in zip(d, pair, strict=True)
        )
        if stub == "excused":
            mine -= names.weight(d[last])
        theirs = ref.weight
        if cut_short:
            # Judge what is visible: the listed name up to where the description stops.
            theirs = sum(names.weight(w) for w in r[: last_aligned + 1])
        score = 2.0 * matched / (mine + theirs) if mine + theirs else 0.0
        if not doubts and score < CONFIRM_MIN:
            doubts.append("too few of its words agree")
        lenient = (relation and len(doubts) == 1 and not ref.weak) or cut_short
        if doubts and not lenient and score < REVIEW_MIN:
            return None
        hit = NameHit(ref, min(score, 1.0), False, tuple(doubts), relation)
        return _Verdict(hit, bool(tail), stub)

    def _cut_generic(self, desc: _Desc) -> Iterator[NameHit]:
        """A long description of shared words only, cut where a listed name goes on."""
        d = desc.toks
        if len(d) < 2:
            return
        ends = {word for word, _, _ in desc.options[-1]} | {d[-1]}
        for ref in self._by_start.get(d[:-1], ()):
            if ref.toks[len(d) - 1] in ends:
                doubts = (
                    "the description is made of words many names share and may be a longer "
                    "name cut short",
                )
                score = sum(names.weight(t) for t in d) / ref.weight if ref.weight else 0.0
                yield NameHit(ref, min(score, 1.0), False, doubts, False)

    def _form_doubts(self, forms: frozenset[str], ref: NameRef) -> list[str]:
        foreign = (forms & names.FOREIGN_FORMS) - self.entity_forms.get(ref.uid, set())
        if not foreign:
            return []
        return [f"its legal form {', '.join(sorted(foreign))} is in none of the listed names"]

    def legal_form_conflict(self, text: str, uid: int) -> bool:
        """True when ``text`` carries a legal form (INC, PLC ...) no name of ``uid`` has."""
        forms = names.legal_forms(text) & names.FOREIGN_FORMS
        return bool(forms - self.entity_forms.get(uid, set()))

    def shares_word(self, text: str, uid: int) -> bool:
        """True when ``text`` has a distinctive word (or its cut-off start) of ``uid``'s names."""
        own = self.entity_tokens.get(uid, set())
        parsed = names.parse(text)
        last = len(parsed.tokens) - 1
        for i, tok in enumerate(parsed.tokens):
            if not names.is_distinctive(tok):
                continue
            cut = i == last and parsed.open_end
            for word, _, _ in self._resolve(tok, cut):
                if word in own and names.is_distinctive(word):
                    return True
        return False


def _without_relation(toks: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(t for t in toks if not names.is_relation(t)))


def _free(words: tuple[str, ...], used: list[bool], word: str) -> int | None:
    for j, w in enumerate(words):
        if not used[j] and w == word:
            return j
    return None


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _rank(hit: NameHit) -> tuple[bool, bool, float]:
    return (hit.level == "confirmed", hit.exact, hit.score)


def _keep(best: dict[int, NameHit], hit: NameHit) -> None:
    old = best.get(hit.ref.uid)
    if old is None or _rank(hit) > _rank(old):
        best[hit.ref.uid] = hit


def _ordered(best: dict[int, NameHit]) -> tuple[NameHit, ...]:
    return tuple(sorted(best.values(), key=lambda h: (h.level != "confirmed", -h.score, h.ref.uid)))


def _most_specific(
    hits: dict[int, NameHit], refs: list[NameRef], forms: frozenset[str]
) -> dict[int, NameHit]:
    """Among entities whose names equal the description, keep those whose legal form agrees.

    ``CHINA TELECOM CORP LTD`` equals CHINA TELECOM CORPORATION LIMITED and also the bare
    a.k.a. ``CHINA TELECOM`` of its parent; the legal form tells them apart. Drops entities
    only when another one is confirmed on a name carrying the description's legal forms.
    """
    if not forms:
        return hits
    specific = {
        r.uid
        for r in refs
        if r.forms and r.forms >= forms and hits[r.uid].level == "confirmed" and not r.weak
    }
    if not specific:
        return hits
    return {uid: h for uid, h in hits.items() if uid in specific}
