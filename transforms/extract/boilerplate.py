"""Fast main-text extraction: resiliparse's main-content pass, then structural boilerplate pruning.

`extract_main_text(html, ...)` is the pure function. It costs one resiliparse parse and one C-speed
extraction pass, plus a little Python over the (small) extracted text:

1. DOM steps that CSS selectors do at C speed (`prepare_tree`): the elements HTML5 defines as not body text
   go (`prune_dom`: figure captions, asides, footers), and the page components whose class or id names say
   what they are — author boxes, related links, post metadata, captions... — are marked (`mark_components`).
2. resiliparse's main-content extraction (lean options: no comment sections, no alt texts) with
   `preserve_formatting="minimal_html", links=True`: a minimal HTML of the kept content in which only
   block structure (`p`, `h1`–`h6`, `li` inside `ul`/`ol`, bare text lines, `br`) and links (`<a>`) survive.
   That is all the structure the rules below need, and it comes out of C.
3. `parse_blocks` cuts that into blocks (paragraph, heading, list item, bare line) with their text length,
   link-text length and the marked components they lie in.
4. Block rules, each a small function below: jusText-style classification by length and link density
   with context revision, the marked components, the headline, link-dense lists, teaser feeds, and text in
   other markup than the body's paragraphs after them.
5. Fallbacks where the result looks wrong (`fallback_reason`): the same rules over the whole page when the
   main-content pass lost the article, else trafilatura.

Measured on AEB (181 English news pages) and trafilatura's own evaluation pages (482, mostly German, then
English, French, Polish...): `benchmarks/bench_extraction.py`, figures in the README.
"""

from __future__ import annotations

import dataclasses
import functools
import html as html_lib
import logging
import re
from typing import get_args

from resiliparse.extract.html2text import extract_plain_text
from resiliparse.parse.html import HTMLTree, NodeType

from corpusforge.pipeline.config import BoilerplateRule

# ---------------------------------------------------------------------------------------------- blocks

GOOD, NEARGOOD, SHORT, BAD = "good", "neargood", "short", "bad"


@dataclasses.dataclass(slots=True)
class Block:
    """One unit of the minimal HTML: a paragraph, heading, list item or bare line of text."""

    kind: str  # "p", "h1".."h6", "li", "text"
    text: str  # plain text, entities decoded, white space collapsed
    link_chars: int = 0  # characters of `text` that were inside <a>
    links: int = 0  # number of <a> elements
    list_id: int = -1  # the innermost ul/ol this block sits in, -1 outside lists
    list_depth: int = 0
    item_id: int = -1  # the innermost li this block sits in, -1 outside list items
    components: tuple[int, ...] = ()  # the marked page components holding most of its text (`mark_components`)
    cls: str = SHORT  # classification, see `classify_blocks`
    why: str = ""  # which rule set `cls` last (for debugging and tests)
    silent: bool = False  # dropped as an interjection: invisible to the context revision
    length: int = dataclasses.field(init=False)  # `text_length(text)`, measured once: every rule reads it

    def __post_init__(self) -> None:
        self.length = text_length(self.text)

    @property
    def link_density(self) -> float:
        return self.link_chars / len(self.text) if self.text else 0.0

    @property
    def is_heading(self) -> bool:
        return len(self.kind) == 2 and self.kind[0] == "h"


_WIDE = re.compile(r"[\u1100-\u11ff\u2e80-\ua4cf\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def text_length(text: str) -> int:
    """Length in Latin-equivalent characters: a CJK/Hangul character counts 3.

    Length thresholds come from work on European languages (jusText: 70/200 characters), where a word is ~6
    characters; in Chinese, Japanese and Korean a word is 1–2 characters, so one wide character carries about
    as much text as three Latin ones. Without this a CJK paragraph would look "short" to every rule.
    """
    wide = len(_WIDE.findall(text)) if not text.isascii() else 0
    return len(text) + 2 * wide


_TAG = re.compile(r"<(/?)(p|h[1-6]|li|ul|ol|a|br)\b[^>]*>", re.IGNORECASE)
_MARK = re.compile("([\U000f0000-\U000ffffd])")  # component marks (`mark_components`), one character each
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit (`str.isalnum`)


def _clean(raw: str) -> str:
    return " ".join((html_lib.unescape(raw) if "&" in raw else raw).split())  # white space runs → one space


def _majority(pieces: list[str], enclosing: dict[int, tuple[int, ...]]) -> tuple[int, ...]:
    """The components that hold at least half of a block's characters (`enclosing[i]`: those around `pieces[i]`)."""
    chars: dict[int, int] = {}
    total = 0
    for i, piece in enumerate(pieces):
        n = len(piece.strip())
        total += n
        for k in enclosing.get(i, ()):
            chars[k] = chars.get(k, 0) + n
    return tuple(k for k, n in chars.items() if total and 2 * n >= total)


def parse_blocks(minimal_html: str, *, components: int = 0) -> list[Block]:
    """Cut resiliparse's minimal HTML into blocks: each p, heading and li is one; bare text is one per line.

    Link text is measured inside `<a>` (closed at `</a>` or at the end of the block: resiliparse leaves some
    `<a>` unclosed). Every block remembers its innermost list and list item, and which of the `components`
    marked in the page (`mark_components`) enclose most of its text; a component whose end mark never comes
    (resiliparse dropped it) holds nothing, and a plane-15 private-use character that is no mark of ours
    stays text. Blocks with no letter or digit are dropped (bullets, separators, icons).

    One pass over the tags (and marks): the text between them is appended, piece by piece, to the block
    being read, whose link text and components are kept beside it; a tag that opens or closes a block, or
    a line break in bare text, ends it.
    """
    blocks: list[Block] = []
    lists: list[int] = []
    items: list[int] = []
    next_list = next_item = 0
    kind = "text"
    in_link = False
    open_: tuple[int, ...] = ()
    closed: set[int] = set()
    pieces: list[str] = []  # the block's text so far, as it came between tags
    linked: list[str] = []  # those of its pieces inside <a>
    enclosing: dict[int, tuple[int, ...]] = {}  # the components open around a piece, by its index, if any are

    def end_block() -> None:
        if not pieces:
            return
        raw = "".join(pieces)
        text = _clean(raw) if raw and not raw.isspace() else ""
        if text and _ALNUM.search(text):
            link_chars = links = 0
            for piece in linked:
                link_chars += len(_clean(piece))
                links += bool(piece.strip())
            blocks.append(
                Block(
                    kind="li" if kind == "text" and items else kind,
                    text=text,
                    link_chars=min(link_chars, len(text)),
                    links=links,
                    list_id=lists[-1] if lists else -1,
                    list_depth=len(lists),
                    item_id=items[-1] if items else -1,
                    components=_majority(pieces, enclosing) if enclosing else (),
                )
            )
        pieces.clear()
        if linked:
            linked.clear()
        if enclosing:
            enclosing.clear()

    def add(piece: str, is_link: bool) -> None:
        if kind == "text" and "\n" in piece:  # bare text is one block per line
            *lines, piece = piece.split("\n")
            for line in lines:
                add(line, is_link)
                end_block()
        if pieces or open_ or (piece and not piece.isspace()):  # white space alone opens no block
            if open_:
                enclosing[len(pieces)] = open_
            pieces.append(piece)
            if is_link:
                linked.append(piece)

    def start(new_kind: str) -> None:
        nonlocal kind, in_link
        end_block()
        kind, in_link = new_kind, False

    chunks = _MARK.split(minimal_html) if components and _MARK.search(minimal_html) else [minimal_html]
    for n, chunk in enumerate(chunks):
        if n % 2:  # a component's start or end mark
            k, is_end = divmod(ord(chunk) - _MARK_BASE, 2)
            if k >= components:
                add(chunk, in_link)
            elif is_end:
                open_ = tuple(c for c in open_ if c != k)
                closed.add(k)
            else:
                open_ = (*open_, k)
            continue
        tokens = _TAG.split(chunk)  # text, then for each tag: "/" or "", its name, the text after it
        if tokens[0]:
            add(tokens[0], in_link)
        for i in range(1, len(tokens), 3):
            closing, tag, text = tokens[i], tokens[i + 1].lower(), tokens[i + 2]
            if tag == "a":
                in_link = not closing
            elif tag == "br":
                add("\n" if kind == "text" else " ", False)
            elif tag == "ul" or tag == "ol":
                start("text")
                if not closing:
                    lists.append(next_list)
                    next_list += 1
                elif lists:
                    lists.pop()
            elif tag == "li":
                start("li" if not closing else "text")
                if not closing:
                    items.append(next_item)
                    next_item += 1
                elif items:
                    items.pop()
            else:  # p, h1..h6
                start("text" if closing else tag)
            if text:
                add(text, in_link)
    end_block()
    if closed or open_:
        for b in blocks:
            if b.components:
                b.components = tuple(k for k in b.components if k in closed)
    return blocks


# ---------------------------------------------------------------------------------------------- rules


_SENTENCE_END = re.compile(r"[.!?…:;。！？।؟»”\"')]\s*$")


def is_sentence(text: str, *, min_words: int = 4) -> bool:
    """Whether a block reads as a sentence: at least `min_words` words and sentence-final punctuation.

    Bylines, dates, labels, buttons and menu entries are fragments without a full stop; prose is made of
    sentences even when a paragraph is one short sentence. The punctuation set covers Latin, CJK, Devanagari
    and Arabic full stops, and closing quotes/brackets after them. CJK text has no spaces between words, so
    its words are counted as wide characters / 2.
    """
    if not _SENTENCE_END.search(text):
        return False
    words = text.count(" ") + 1
    if words < min_words and not text.isascii():
        words = max(words, len(_WIDE.findall(text)) // 2)
    return words >= min_words


def classify_blocks(
    blocks: list[Block], *, length_low: int = 70, length_high: int = 200, max_link_density: float = 0.5
) -> None:
    """Context-free classes after jusText (Pomikálek 2011), without its stop-word test.

    * link density > `max_link_density` → bad: text that is mostly anchors is navigation, not prose;
    * shorter than `length_low` → short (undecided: a byline, a caption, but also a subheading);
    * at least `length_high` → good; in between → near-good.

    jusText also demands a stop-word density; that needs a word list per language, so it is left out: the
    main-content pass before this has already removed most non-prose, and the link test covers the rest.
    """
    for b in blocks:
        if b.cls == BAD:
            continue
        n = b.length
        if b.link_density > max_link_density:
            b.cls, b.why = BAD, "link_density"
        elif n < length_low:
            b.cls, b.why = (NEARGOOD, "sentence") if is_sentence(b.text) else (SHORT, "length")
        elif n >= length_high:
            b.cls, b.why = GOOD, "length"
        else:
            b.cls, b.why = NEARGOOD, "length"


def promote_prose_runs(
    blocks: list[Block], *, length_high: int = 200, min_blocks: int = 2, min_fragment: int = 10
) -> None:
    """A run of adjacent near-good blocks that together reach `length_high` is good prose.

    jusText anchors everything on single paragraphs of at least 200 characters; much web writing (news
    wires, blogs) is made of one- or two-sentence paragraphs that never reach that, and then nothing anchors
    the body and the context revision drops all of it. Consecutive sentence-like paragraphs with no
    boilerplate between them are a body of prose whatever their individual lengths. Fragments shorter than
    `min_fragment` between them (a stray symbol or letter) do not break the run; a byline or a label does.
    """
    run: list[Block] = []
    for b in [*blocks, None]:
        if b is not None and b.cls == SHORT and b.length < min_fragment:
            continue  # stray fragments (a symbol, a lone letter) do not break a run of prose
        if b is not None and b.cls == NEARGOOD:
            run.append(b)
            continue
        if len(run) >= min_blocks and sum(r.length for r in run) >= length_high:
            for r in run:
                r.cls, r.why = GOOD, "prose_run"
        run = []


def _neighbours(blocks: list[Block], ignore_neargood: bool) -> tuple[list[str], list[str]]:
    """For each block, the class of the nearest block before and after it that is neither short (nor near-good,
    with `ignore_neargood`) nor silent; the page's edges are bad. Two linear passes."""
    skip = (SHORT, NEARGOOD) if ignore_neargood else (SHORT,)
    before: list[str] = []
    last = BAD
    for b in blocks:
        before.append(last)
        if not b.silent and b.cls not in skip:
            last = b.cls
    after: list[str] = []
    last = BAD
    for b in reversed(blocks):
        after.append(last)
        if not b.silent and b.cls not in skip:
            last = b.cls
    after.reverse()
    return before, after


def revise_by_context(blocks: list[Block], *, max_heading_distance: int = 200) -> None:
    """jusText's context revision: undecided blocks take the class of the prose around them.

    * a short or near-good heading followed within `max_heading_distance` characters by a good block is
      near-good (a subheading belongs to the section it opens);
    * a short block between good blocks is good, between bad ones (or a bad one and the page's edge) bad;
      between a good and a bad one it is good only if a near-good block separates it from the bad side;
    * a near-good block is bad only when both neighbours are bad.

    The page's edges count as bad, so runs of short lines before the first and after the last paragraph of
    prose (bylines, dates, share prompts, tag lists) go, while short lines inside the article stay.
    """
    for i, b in enumerate(blocks):
        if b.is_heading and b.cls in (SHORT, NEARGOOD):
            distance = 0
            for j in range(i + 1, len(blocks)):
                if blocks[j].cls == GOOD:
                    b.cls, b.why = NEARGOOD, "heading"
                    break
                distance += blocks[j].length
                if distance > max_heading_distance:
                    break
    new = [b.cls for b in blocks]
    before, after = _neighbours(blocks, True)
    near_before, near_after = _neighbours(blocks, False)
    for i, b in enumerate(blocks):
        if b.cls != SHORT or b.silent:
            continue
        prev, nxt = before[i], after[i]
        if prev == GOOD and nxt == GOOD:
            new[i] = GOOD
        elif prev == BAD and nxt == BAD:
            new[i] = BAD
        elif (prev == BAD and near_before[i] == NEARGOOD) or (nxt == BAD and near_after[i] == NEARGOOD):
            new[i] = GOOD
        else:
            new[i] = BAD
    for b, c in zip(blocks, new):
        if c != b.cls:
            b.cls, b.why = c, "context"
    new = [b.cls for b in blocks]
    before, after = _neighbours(blocks, True)
    for i, b in enumerate(blocks):
        if b.cls != NEARGOOD or b.silent:
            continue
        new[i] = BAD if before[i] == BAD and after[i] == BAD else GOOD
    for b, c in zip(blocks, new):
        if c != b.cls:
            b.cls, b.why = c, "context"


_WORD = re.compile(r"\w+")


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def drop_headline(blocks: list[Block], titles: list[str], *, max_position: float = 0.5) -> None:
    """The headline is metadata, not body: drop the block that repeats the page title, and what precedes it.

    The title (`<title>`, `og:title`) usually repeats the article's headline, often with the site name added
    ("Headline - Site"), so a block whose words are a prefix of, or equal to, a title's words is the
    headline. Only the first such block counts, and only in the first `max_position` of the text: the body
    starts after its headline, so blocks before it (breadcrumbs, dates, banners) are not body either.
    """
    keys = [_norm(t) for t in titles if t]
    keys = [k for k in keys if len(k) >= 10]
    if not keys:
        return
    total = sum(b.length for b in blocks) or 1
    seen = 0
    for i, b in enumerate(blocks):
        if seen > max_position * total:
            return
        seen += b.length
        if b.cls == BAD:
            continue
        n = _norm(b.text)
        if len(n) >= 10 and any(k == n or k.startswith(n + " ") or (len(n) >= 30 and n in k) for k in keys):
            for prev in blocks[: i + 1]:
                prev.cls, prev.why = BAD, "headline"
            return


def drop_link_lists(blocks: list[Block], *, max_link_density: float = 0.5) -> None:
    """A list whose text is mostly anchors is navigation or a link feed (boilerpipe's link density, per list).

    The density is taken over the whole ul/ol, so one link-free item in a menu does not survive on its own,
    and an article's list of references with a link per item but real sentences around the links stays.
    """
    by_list: dict[int, list[Block]] = {}
    for b in blocks:
        if b.list_id >= 0:
            by_list.setdefault(b.list_id, []).append(b)
    for items in by_list.values():
        chars = sum(len(b.text) for b in items)
        links = sum(b.link_chars for b in items)
        if chars and links / chars > max_link_density:
            for b in items:
                b.cls, b.why = BAD, "link_list"


def drop_link_feeds(
    blocks: list[Block], *, min_items: int = 3, min_share: float = 0.8, min_link_density: float = 0.9
) -> None:
    """A list whose items each open with a block that is all link is a feed of other pages' titles.

    Related-article lists, "more in this section", teaser cards and menus share one structure: every item
    starts with a line that is entirely a link (the other page's title), optionally followed by a teaser and
    a "read more" link. The teasers are long prose, so neither length nor the list's link density catches
    them; the structure does. An article's own bullet lists start with text, and a news digest whose items
    are sentences opening with a linked phrase keeps them (its first blocks are mostly not link).
    A list needs `min_items` items, `min_share` of them opening with a block of link density ≥
    `min_link_density`.
    """
    first_block: dict[int, Block] = {}
    list_items: dict[int, set[int]] = {}
    for b in blocks:
        if b.item_id >= 0 and b.item_id not in first_block:
            first_block[b.item_id] = b
            list_items.setdefault(b.list_id, set()).add(b.item_id)
    feeds = set()
    for list_id, item_ids in list_items.items():
        if len(item_ids) >= min_items:
            leading = sum(1 for i in item_ids if first_block[i].link_density >= min_link_density)
            if leading >= min_share * len(item_ids):
                feeds.add(list_id)
    if feeds:
        for b in blocks:
            if b.list_id in feeds:
                b.cls, b.why = BAD, "link_feed"


def drop_repeated(blocks: list[Block], *, max_words: int = 3, min_copy_length: int = 100) -> None:
    """A label — a fragment of at most `max_words` words, not a sentence — that occurs twice on a page.

    Pages repeat labels once per teaser, image, slot or slide: "Advertisement", "Photo:", "Read more",
    "Share", an author's name on every card. An article's own repeated text is longer (the recurring
    question of an interview, the steps of a meal plan, a table's header row), and the gold text of such
    pages keeps every copy, so only short fragments are dropped, every copy of them. A long block (at least
    `min_copy_length`) seen before is a copy (a caption under the image and again in the slideshow, a
    cloned mobile layout, a pull quote): its first copy stays. They are interjections
    (an ad slot's label inside the body), so they drop out silently: the context revision does not see them
    as boilerplate next to the lines around them.
    """
    keys = [b.text.lower() for b in blocks]
    counts: dict[str, int] = {}
    for b, key in zip(blocks, keys):
        if b.text.count(" ") < max_words or b.length >= min_copy_length:
            counts[key] = counts.get(key, 0) + 1
    seen: set[str] = set()
    for b, key in zip(blocks, keys):
        if counts.get(key, 0) < 2:
            continue
        if b.length >= min_copy_length:
            if key in seen:
                b.cls, b.why, b.silent = BAD, "repeated", True
            seen.add(key)
        elif not is_sentence(b.text):
            b.cls, b.why, b.silent = BAD, "repeated", True


def drop_off_markup_edges(
    blocks: list[Block], *, min_share: float = 0.5, length_low: int = 70, head: bool = True, tail: bool = True
) -> None:
    """Where the body is written in paragraphs, what precedes its first and follows its last paragraph in
    other markup belongs to other page components.

    An article's body comes out of one editor or template and is marked up uniformly; on most pages that
    is `<p>`. When paragraphs carry at least `min_share` of the kept text, the body's extent is from its
    first to its last paragraph of at least `length_low` characters (jusText's "short" bound). Kept blocks
    beyond that extent which are neither paragraphs nor list items are text of a different component:
    bare lines and headings around the article — author bios, newsletter boxes, affiliate notices and
    "related" teasers after it; bylines, datelines, photo credits and gallery counters before it. Only the
    edges are touched (boilerpipe's "end of main content" idea; text between paragraphs stays whatever its
    markup), lists are left alone (an article can end with one), and before the body headings stay: a
    subheading can open the body, and a standfirst (the lead, set as a heading) is the author's prose —
    trafilatura's evaluation counts it as main text; AEB's gold leaves it out (0.003 of its precision).
    The headline itself goes by `drop_headline`. The rule is about markup, not words, so it holds in any
    language.
    """
    kept = [b for b in blocks if b.cls == GOOD or b.cls == NEARGOOD]
    total = sum(b.length for b in kept)
    if not total or sum(b.length for b in kept if b.kind == "p") < min_share * total:
        return
    paras = [i for i, b in enumerate(kept) if b.kind == "p" and b.length >= length_low]
    if not paras:
        return
    edges = []
    if head:
        edges += [b for b in kept[: paras[0]] if not b.is_heading]
    if tail:
        edges += kept[paras[-1] + 1 :]
    for b in edges:
        if b.kind != "p" and b.list_id < 0:
            b.cls, b.why = BAD, "markup_edges"


# ---------------------------------------------------------------------------------------------- DOM pruning

# Elements the HTML standard defines as not the body of their page or section (HTML Living Standard §4.3-4.4):
# `figcaption` describes an image the text extraction drops (no alt texts), so it would read as an orphan
# sentence; `aside` is content "tangentially related" to what is around it (sidebars, pull-outs, ad slots,
# fact boxes); `footer` holds "who wrote it, links to related documents, copyright data". AEB's gold and
# trafilatura's precision mode leave all three out.
NOT_BODY_ELEMENTS = ("figcaption", "aside", "footer")
_NOT_BODY = ", ".join(NOT_BODY_ELEMENTS)


def prune_dom(tree: HTMLTree) -> None:
    """Remove at C speed what HTML5 marks as not body text (`NOT_BODY_ELEMENTS`).

    Removed, not marked as `mark_components` does: HTML says what these elements are, whatever their share
    of the page (a page whose prose is mostly in its `aside`s has its content elsewhere: a table, a video).
    """
    body = tree.body
    if body is None:
        return
    for node in reversed(body.query_selector_all(_NOT_BODY).values()):  # innermost first: no freed node touched
        node.decompose()


# ---------------------------------------------------------------------------------------------- page components

# The words site templates and CMS themes use in class and id names for a page component's role, by role.
# A word names a component when it is a whole part of the name (`author-box`, `PageFooter`, `post_meta`: parts
# are cut at non-letters and camelCase) or two adjacent parts (`entry__meta`); words of seven or more letters
# also where they open or close a part (`relatedposts`, `imgcaption`; not `author` in `authority`).
COMPONENT_WORDS: dict[str, tuple[str, ...]] = {
    "footer": ("footer", "copyright"),
    "author": ("author", "byline"),  # author boxes and bios after the article, bylines before it
    # boxes of links to other pages; a "teaser" without a link is the article's own lead (TYPO3's news)
    "related": ("related", "teaser"),
    "subscribe": ("newsletter",),
    "caption": ("caption",),
    # a post's date, author and categories; not a recipe's or a product's `meta` (times, sizes: content)
    "meta": ("postmeta", "entrymeta", "articlemeta"),
}
# Roles whose components exist to link elsewhere: one without any link is something else.
LINKING_ROLES = frozenset({"related"})
_ROLE = {word: role for role, words in COMPONENT_WORDS.items() for word in words}
_AFFIXES = tuple(sorted((word for word in _ROLE if len(word) >= 7), key=len, reverse=True))
# Candidates at C speed (lexbor's case-insensitive substring selectors); `ad` covers `ads`, `meta` `postmeta`.
_ANCHORS = {"meta" if word.endswith("meta") else word for word in _ROLE}
_ANCHORS = sorted(a for a in _ANCHORS if not any(b != a and b in a for b in _ANCHORS))
_COMPONENT_CANDIDATES = ", ".join(f'[{attr}*="{anchor}" i]' for anchor in _ANCHORS for attr in ("class", "id"))
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_LETTERS = re.compile(r"[^a-z]+")
_MARK_BASE = 0xF0000  # component k: start mark chr(_MARK_BASE + 2k), end mark chr(_MARK_BASE + 2k + 1)
_MAX_COMPONENTS = (0xFFFFD - _MARK_BASE) // 2  # Unicode's plane-15 private use area: never text in practice


@functools.lru_cache(maxsize=4096)  # templates repeat their class names, on a page and across a site's pages
def component_role(names: str) -> str | None:
    """The role of a page component named by its class/id `names` (`COMPONENT_WORDS`), else None."""
    parts = _NOT_LETTERS.split(_CAMEL.sub(" ", names).lower())
    for i, part in enumerate(parts):
        role = _ROLE.get(part) or (i and _ROLE.get(parts[i - 1] + part))
        if role:
            return role
        if len(part) > 7 and (part.startswith(_AFFIXES) or part.endswith(_AFFIXES)):
            return next(_ROLE[w] for w in _AFFIXES if part.startswith(w) or part.endswith(w))
    return None


def mark_components(tree: HTMLTree) -> list[str]:
    """Mark the page components whose class or id names say what they are (`COMPONENT_WORDS`),
    and return their roles; component k's text is enclosed in its two marks (private-use characters,
    inserted as its first and last child) that resiliparse carries into the minimal HTML like any text.

    Marking, not removing: whether a component is boilerplate depends on how much of the main content it
    holds, which is known only after extraction (`drop_components`). A template may name the article's own
    wrapper with such a word (WordPress adds `category-<slug>` and `tag-<slug>` classes to it; page builders
    call every box a widget); removing it would lose the article.
    """
    body = tree.body
    if body is None:
        return []
    roles: list[str] = []
    open_: list[tuple[object, str]] = []  # the marked components enclosing the current one (document order)
    for node in body.query_selector_all(_COMPONENT_CANDIDATES).values():
        role = component_role(f"{node.class_name or ''} {node.id or ''}")
        if role is None or len(roles) >= _MAX_COMPONENTS:
            continue
        while open_ and not open_[-1][0].contains(node):
            open_.pop()
        first = node.first_child
        if first is None or any(r == role for _, r in open_):  # inside one of its role: marked already
            continue
        k = len(roles)
        start, end = chr(_MARK_BASE + 2 * k), chr(_MARK_BASE + 2 * k + 1)
        # Into the white space text nodes that usually open and close an element (creating nodes costs more)
        if first.type == NodeType.TEXT:
            first.value = start + first.value
        else:
            node.insert_before(tree.create_text_node(start), first)
        last = node.last_child
        if last.type == NodeType.TEXT:
            last.value += end
        else:
            node.append_child(tree.create_text_node(end))
        roles.append(role)
        open_.append((node, role))
    return roles


def drop_components(blocks: list[Block], roles: list[str], *, max_share: float = 0.5, max_caption: int = 200) -> None:
    """Blocks inside a marked page component (`mark_components`: author box or byline, related links, post
    metadata, caption, copyright footer, newsletter box) are not body text; they drop out silently (the
    context revision does not see them, as if the component were not there).

    resiliparse's main-content pass keeps what sits in the main column around the article: the author's bio
    under it, "related" teasers, the "posted on ... in ..." line, photo credits. How a site marks up its
    components does not depend on its language or on the page type — forums, shops, blogs, public-sector
    pages — which is why this rule closes much of the precision gap to trafilatura (whose own pruning works
    on the same class and id names) on non-English, non-news pages. Exceptions, each for a way templates
    misname things:

    * a role whose components together hold more than `max_share` of the main content's prose (good and
      near-good text, `classify_blocks`) is the content: the article's own wrapper or its sections named by
      such a word (WordPress adds `category-<slug>`, `tag-<slug>` classes; a shop calls its test report's
      sections `TestReport__Section--Ads`);
    * a caption longer than `max_caption` (jusText's "good" length) is a description, not a photo credit:
      the text of a video or gallery page;
    * a `related` component without any link is not a box of links to other pages: TYPO3's news extension
      calls the article's own lead `teaser`.
    """
    if not roles:
        return
    prose = sum(b.length for b in blocks if b.cls == GOOD or b.cls == NEARGOOD) or 1
    held: dict[int, int] = {}  # prose inside each component
    size: dict[int, int] = {}  # all text inside each component
    linked: set[int] = set()
    for b in blocks:
        for k in b.components:
            size[k] = size.get(k, 0) + b.length
        if b.cls == GOOD or b.cls == NEARGOOD:
            for k in b.components:
                held[k] = held.get(k, 0) + b.length
        if b.links:
            linked.update(b.components)
    by_role: dict[str, int] = {}
    for k, n in held.items():
        by_role[roles[k]] = by_role.get(roles[k], 0) + n
    content = {k for k, n in held.items() if by_role[roles[k]] > max_share * prose}
    content |= {k for k, n in size.items() if roles[k] == "caption" and n > max_caption}
    content |= {k for k in size if roles[k] in LINKING_ROLES and k not in linked}
    for b in blocks:
        live = [k for k in b.components if k not in content]
        if live:
            b.cls, b.why, b.silent = BAD, f"component:{roles[live[-1]]}", True


# ---------------------------------------------------------------------------------------------- the extractor


def _titles(tree: HTMLTree) -> list[str]:
    titles = [tree.title or ""]
    head = tree.head
    if head is not None:
        og = head.query_selector('meta[property="og:title"]')
        if og is not None:
            titles.append(og.getattr("content") or "")
    return titles


def render(blocks: list[Block], *, everything: bool = False) -> str:
    """Plain text of the kept blocks (of all blocks with `everything`): paragraphs and headings apart by a
    blank line, list items bulleted."""
    out: list[str] = []
    prev_kind = ""
    for b in blocks:
        if not everything and b.cls != GOOD and b.cls != NEARGOOD:
            continue
        if b.kind == "li":
            line = "  " * b.list_depth + "• " + b.text
            sep = "\n" if prev_kind in ("li", "text") else "\n\n"
        elif b.kind == "text":
            line = b.text
            sep = "\n" if prev_kind in ("li", "text") else "\n\n"
        else:
            line = b.text
            sep = "\n\n"
        out.append(sep + line if out else line)
        prev_kind = b.kind
    return "".join(out)


RULES: tuple[str, ...] = get_args(BoilerplateRule)  # the pruning rules that `extract.skip_rules` may name


def prune_blocks(
    blocks: list[Block],
    titles: list[str],
    *,
    roles: list[str] = (),
    skip: frozenset[str] = frozenset(),
    length_low: int = 70,
    length_high: int = 200,
    max_link_density: float = 0.5,
) -> list[Block]:
    """Classify `blocks` in place with every block rule, in order; `titles` are the page's titles, `roles` the
    roles of the page components marked in them (`mark_components`).

    `skip` names rules (of `RULES`) to leave out. `length_low`/`length_high` (Latin-equivalent characters,
    see `text_length`) and `max_link_density` are the classification's thresholds (`classify_blocks`);
    the lengths are jusText's defaults.
    """
    classify_blocks(blocks, length_low=length_low, length_high=length_high, max_link_density=max_link_density)
    if "components" not in skip:
        drop_components(blocks, roles)
    if "link_lists" not in skip:
        drop_link_lists(blocks)
    if "link_feeds" not in skip:
        drop_link_feeds(blocks)
    if "repeated" not in skip:
        drop_repeated(blocks)
    if "headline" not in skip:
        drop_headline(blocks, titles)
    if "prose_runs" not in skip:
        promote_prose_runs(blocks, length_high=length_high)
    if "context" not in skip:
        revise_by_context(blocks)
    if "markup_edges" not in skip:
        drop_off_markup_edges(blocks, length_low=length_low)
    return blocks


def prepare_tree(tree: HTMLTree, *, skip: frozenset[str] = frozenset()) -> list[str]:
    """The DOM steps before extraction (`prune_dom`, `mark_components`); returns the marked components' roles."""
    if "not_body_elements" not in skip:
        prune_dom(tree)
    return mark_components(tree) if "components" not in skip else []


def extract_blocks(
    tree: HTMLTree,
    *,
    skip: frozenset[str] = frozenset(),
    roles: list[str] | None = None,
    main_content: bool = True,
    **thresholds,
) -> list[Block]:
    """Blocks of the page's main content (of the whole page without `main_content`), each classified
    (`prepare_tree` unless given its `roles`, resiliparse, `prune_blocks`)."""
    if roles is None:
        roles = prepare_tree(tree, skip=skip)
    minimal = extract_plain_text(
        tree, main_content=main_content, preserve_formatting="minimal_html", links=True, alt_texts=False, comments=False
    )
    blocks = parse_blocks(minimal, components=len(roles))
    return prune_blocks(blocks, _titles(tree), roles=roles, skip=skip, **thresholds)


def fallback_reason(
    blocks: list[Block], *, min_chars: int = 100, min_kept_share: float = 0.1, max_link_density: float = 0.3
) -> str | None:
    """Why the fast result looks wrong (and trafilatura should run instead), or None when it looks fine.

    * `empty`: nothing kept, or fewer than `min_chars` (Latin-equivalent) characters: the page has no
      prose the rules recognise (a table, a gallery, lines without paragraphs), or resiliparse's
      main-content pass removed the body (a wrapper whose class looks like boilerplate);
    * `pruned`: the rules kept less than `min_kept_share` of the main content's text — they, not the
      page, are probably wrong;
    * `links`: more than `max_link_density` of the kept text is link text: a hub or index page, or a body
      that was lost and a link list that was not.
    """
    kept = [b for b in blocks if b.cls == GOOD or b.cls == NEARGOOD]
    kept_len = sum(b.length for b in kept)
    if kept_len < min_chars:
        return "empty"
    total = sum(b.length for b in blocks)
    if kept_len < min_kept_share * total:
        return "pruned"
    chars = sum(len(b.text) for b in kept)
    if chars and sum(b.link_chars for b in kept) / chars > max_link_density:
        return "links"
    return None


def needs_trafilatura(blocks: list[Block], why: str, *, min_chars: int = 100, length_low: int = 70) -> bool:
    """Whether a fast result found wrong (`why`, from `fallback_reason`) is worth trafilatura's ~10x cost.

    It is when there is evidence that an article was lost: the main content itself is (nearly) empty, as
    when resiliparse drops a body whose wrapper's class looks like boilerplate; or it holds prose — link-free
    blocks of at least `length_low` characters, `min_chars` in all — that the rules removed; or the kept
    text is link-dominated (`links`). Otherwise the page has no prose for any extractor to find (listings,
    link directories, product grids: a third of the pages of a general crawl, measured on the 2008 and 2020
    Common Crawl samples) and its unpruned main content is kept instead, at no extra cost.
    """
    if why == "links":
        return True
    if sum(b.length for b in blocks) < min_chars:
        return True
    prose = sum(b.length for b in blocks if b.link_chars == 0 and b.length >= length_low)
    return prose >= min_chars


def has_prose(blocks: list[Block], *, length_high: int = 200) -> bool:
    """Whether the kept blocks include a paragraph of prose (at least `length_high`, jusText's "good" length):
    a result made only of short kept lines is not an article found."""
    return any(b.length >= length_high for b in blocks if b.cls == GOOD or b.cls == NEARGOOD)


def trafilatura_text(html: str, url: str | None = None) -> str:
    """trafilatura with FineWeb's settings (precision first, no comments, deduplicated within the page)."""
    import trafilatura  # slow to import; only the fallback needs it
    from trafilatura.deduplication import LRU_SIZE, LRUCache

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)  # it logs a warning for every odd page
    # `deduplicate=True` shares one process-wide cache of paragraphs: a page's text would then depend on
    # which pages the worker saw before it (measured: 10 copies of 231 pages kept 204, then 198, ... then
    # 37). A fresh cache per page keeps the deduplication within the page and the output deterministic.
    text = trafilatura.extract(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        deduplicate=LRUCache(maxsize=LRU_SIZE),
        with_metadata=False,
    )
    return text or ""


def extract_main_text(
    html: str,
    *,
    url: str | None = None,
    fallback: bool = True,
    tree: HTMLTree | None = None,
    skip_rules: frozenset[str] = frozenset(),
    length_low: int = 70,
    length_high: int = 200,
    max_link_density: float = 0.5,
    fallback_min_chars: int = 100,
    fallback_min_kept_share: float = 0.1,
    fallback_max_link_density: float = 0.3,
) -> tuple[str, dict[str, str]]:
    """The main text of an HTML page, and annotations for `Document.meta`.

    `html` is the decoded page. Pass `tree` (`HTMLTree.parse(html)`) if the caller has parsed it already;
    the tree is modified (`prepare_tree`). `skip_rules` names rules of `RULES` to leave out.
    When `fallback` is on and `fallback_reason` finds the fast result wrong:

    * where `needs_trafilatura` sees prose lost and the main content came out (nearly) empty, the same rules
      run over the whole page first (resiliparse without its main-content pass, ~1/10 of trafilatura's cost:
      its pass sometimes drops an article whose wrapper's class looks like boilerplate); if they find prose
      (`has_prose`) and the result looks right, it is kept, annotated `extract_fallback: "whole_page:empty"`;
    * otherwise, where prose was lost, trafilatura (FineWeb settings) runs, annotated
      `extract_fallback: "trafilatura:<reason>"` (if it finds nothing either, the fast text stays);
    * where no prose was lost, the unpruned main content is kept, annotated `"unpruned:<reason>"`.

    Annotations: {"extractor": "fast"} plus "extract_fallback" when a fallback ran.
    """
    if tree is None:
        tree = HTMLTree.parse(html)
    roles = prepare_tree(tree, skip=skip_rules)
    thresholds = {"length_low": length_low, "length_high": length_high, "max_link_density": max_link_density}
    blocks = extract_blocks(tree, skip=skip_rules, roles=roles, **thresholds)
    meta = {"extractor": "fast"}
    if not fallback:
        return render(blocks), meta
    limits = {
        "min_chars": fallback_min_chars,
        "min_kept_share": fallback_min_kept_share,
        "max_link_density": fallback_max_link_density,
    }
    why = fallback_reason(blocks, **limits)
    if why is None:
        return render(blocks), meta
    if not needs_trafilatura(blocks, why, min_chars=fallback_min_chars, length_low=length_low):
        meta["extract_fallback"] = f"unpruned:{why}"
        return render(blocks, everything=True), meta
    if why == "empty":
        whole = extract_blocks(tree, skip=skip_rules, roles=roles, main_content=False, **thresholds)
        if fallback_reason(whole, **limits) is None and has_prose(whole, length_high=length_high):
            meta["extract_fallback"] = f"whole_page:{why}"
            return render(whole), meta
    meta["extract_fallback"] = f"trafilatura:{why}"
    other = trafilatura_text(html, url)
    return (other if other.strip() else render(blocks)), meta
