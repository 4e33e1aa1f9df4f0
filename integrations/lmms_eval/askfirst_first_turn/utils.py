"""askfirst's episodes in lmms-eval: the first turn of each episode, one generation per doc.

The docs are the rows of `askfirst export --format lmms-eval` (train.parquet, PNGs embedded; or train.jsonl written
with --absolute-paths). Each shows the episode's first view and ProactiveBench's multiple-choice prompt (interventions
first, then the categories); `askfirst_process_results` reads the reply exactly as `askfirst eval` does
(src/episode/parse.ts `parseReply`, after src/episode/thinking.ts `stripThinking`) and scores the first move:

    correct             the correct category (ends the episode as a success)
    wrong-category      another category (ends it as a failure)
    valid-intervention  an intervention that leads to a better view here (askfirst eval would go on to the next view)
    invalid-intervention an intervention offered but not valid here (ends it)
    abstain             the abstain-style option, "I cannot answer this question." (ends it)
    unparseable         a reply that names no option, by its text or its letter (ends it)

The aggregations are shares of docs as docs/evaluation.md ("What the rates mean") defines askfirst's rates; the guess
(a category named on a view known not to show enough: the row's `view_informative`) is over the docs whose view's
informativeness is known. What a first turn can and cannot measure is in integrations/README.md, "lmms-eval".

Written against lmms-eval main 75571cf (August 2026, after v0.7.2): lmms_eval/api/task.py (TaskConfig,
ConfigurableTask: doc_to_visual(doc), doc_to_text(doc, lmms_eval_specific_kwargs), doc_to_target(doc),
process_results(doc, results) with each reply already .strip()-ed, aggregation(items) per metric_list entry) and
lmms_eval/evaluator_utils.py (calculate_aggregate_metric; a metric's None values are left out by the aggregations
here, and by the CLT stderr, which counts numbers only). Only the standard library at import time; PIL (an
lmms-eval dependency) when an image is opened.
"""
from __future__ import annotations

import io
import os
import re
from typing import Optional

# --- Reply matching: ProactiveBench's MCQA `_evaluate` (environment.py), as askfirst's src/episode/parse.ts ports it ---


def normalize_text(s: str) -> str:
    """ProactiveBench's `_standardize_full_answer`: drop a leading "X." letter prefix (greedy, within the first line),
    lower-case, strip, remove ASCII spaces only."""
    return re.sub(r"^.*[A-Z]\.\s*", "", s).lower().strip().replace(" ", "")


def standardize_letter(s: str) -> str:
    """ProactiveBench's `_standardize_letter_answer`: the text before the first ".", lower-cased and stripped; "#"
    when that is longer than one character."""
    head = s.split(".")[0].lower().strip()
    return "#" if len(head) > 1 else head


def option_letter(i: int) -> str:
    """Option letters as ProactiveBench writes them: chr(65 + i)."""
    return chr(65 + i)


def match_options(reply: str, options: list, correct: set, shift: int) -> tuple:
    """ProactiveBench `_evaluate` for one option list whose letters start at `shift`: ("correct" | "wrong", index) or
    ("mismatch", -1). Full text first (a correct option before any other), then the letter."""
    full = normalize_text(reply)
    norm = [normalize_text(o) for o in options]
    for i, n in enumerate(norm):
        if i in correct and n == full:
            return ("correct", i)
    if full in norm:
        return ("wrong", norm.index(full))
    letter = standardize_letter(reply)
    letters = [standardize_letter(option_letter(i + shift)) for i in range(len(options))]
    if letter in letters:
        k = letters.index(letter)
        return ("correct" if any(letters[i] == letter for i in correct) else "wrong", k)
    return ("mismatch", -1)


# A reply's leading reasoning block, removed before matching as askfirst does (src/episode/thinking.ts, which says where
# each family's markers come from): Qwen3-VL / Qwen3.5, GLM-4.xV, InternVL3.5, MiMo-VL and others write <think>,
# Kimi-VL-Thinking ◁think▷, Gemma 4 <|channel>thought … <channel|>, gpt-oss its harmony analysis channel. Only a
# block the reply starts with, and only the first; one whose opening marker was in the prompt (Qwen3.5's template opens
# it there) is the text up to its closing marker when that text holds no opening marker of the family. What is left is
# then unwrapped from GLM's answer wrappers: GLM-4.1V-Thinking's <answer>…</answer> when it is the whole of it, whitespace
# aside (its opening alone when the server stopped at </answer>), then GLM-4.5V's <|begin_of_box|>…<|end_of_box|>, also
# amid other text when it is the text's one pair of box markers (as GLM-V's glmv_reward reads its answer); then LaTeX's
# \boxed{…} (or \fbox{…}), braces counted, when it is the text's one box of either kind, its whitespace and a
# whole-inside \text{…} (\textbf, \textrm, \mathrm, \mbox) taken off (Qwen-Math style; thinking.ts says whose rules).
REASONING_MARKERS = [
    ("<think>", "</think>"),
    ("\u25c1think\u25b7", "\u25c1/think\u25b7"),  # ◁think▷ … ◁/think▷
    ("<|channel>", "<channel|>"),
    ("<|channel|>analysis<|message|>", "<|end|><|start|>assistant<|channel|>final<|message|>"),
]
# JavaScript's \s (what askfirst's stripThinking matches), not Python's: it has U+FEFF and lacks U+001C-U+001F, U+0085.
_JS_WS = "[\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"


def _marker(m: str) -> str:
    """A marker matched ignoring ASCII case only, as JavaScript's /i without u (Python's re.I would also fold the Kelvin sign)."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isascii() and c.isalpha() else re.escape(c) for c in m)


_OPENED = re.compile(f"^{_JS_WS}*(?:" + "|".join(f"{_marker(o)}.*?{_marker(c)}" for o, c in REASONING_MARKERS) + ")", re.DOTALL)
_UNOPENED = re.compile("^(?:" + "|".join(f"(?:(?!{_marker(o)}).)*?{_marker(c)}" for o, c in REASONING_MARKERS) + ")", re.DOTALL)
_LEADING_WS = re.compile(f"^{_JS_WS}+")
# (open, close, unclosed allowed, amid other text holding neither marker allowed)
ANSWER_WRAPPERS = [("<answer>", "</answer>", True, False), ("<|begin_of_box|>", "<|end_of_box|>", False, True)]


# LaTeX's box commands as written before their brace (matched case-sensitively, as LaTeX reads them), and its text
# commands taken off a box's whole inside.
LATEX_BOXES = ["\\boxed{", "\\fbox{"]
_LATEX_TEXT = re.compile(r"\\(?:text|textbf|textrm|mathrm|mbox)\{")


def _wrapped(o: str, c: str, unclosed: bool, amid: bool) -> "re.Pattern[str]":
    neither = f"(?:(?!{_marker(o)}|{_marker(c)}).)*"
    inside = f"({neither}?)" if amid else f"((?:(?!{_marker(c)}).)*?)"
    latex = "|".join(re.escape(b) for b in LATEX_BOXES)
    around = f"(?:(?!{_marker(o)}|{_marker(c)}|{latex}).)*" if amid else f"{_JS_WS}*"
    return re.compile(f"^{around}{_marker(o)}{_JS_WS}*{inside}{_JS_WS}*(?:{_marker(c)}{around}){'?' if unclosed else ''}\\Z", re.DOTALL)


_WRAPPED = [_wrapped(*w) for w in ANSWER_WRAPPERS]
_GLM_BOX_MARKER = re.compile("|".join(_marker(m) for o, c, _, amid in ANSWER_WRAPPERS if amid for m in (o, c)))
_TRAILING_WS = re.compile(f"{_JS_WS}+\\Z")


def _closing_brace(s: str, open_at: int) -> int:
    """Where the "{" at `open_at` closes (braces counted): the index of its "}", or -1."""
    depth = 0
    for i in range(open_at, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def latex_box(s: str) -> Optional[str]:
    """The inside of the text's one LaTeX box, its whitespace and a whole-inside \\text{…} taken off; None when the
    text holds no box, two, one that does not close, or GLM's box markers around it (askfirst's `latexBox`)."""
    found = None
    i = s.find("\\")
    while i >= 0:
        cmd = next((c for c in LATEX_BOXES if s.startswith(c, i)), None)
        if cmd is None:
            i = s.find("\\", i + 1)
            continue
        close = _closing_brace(s, i + len(cmd) - 1)
        if close < 0 or found is not None:
            return None
        found = (i + len(cmd), close)
        i = s.find("\\", close + 1)
    if found is None or _GLM_BOX_MARKER.search(s[: found[0]]) or _GLM_BOX_MARKER.search(s[found[1]:]):
        return None
    inside = s[found[0] : found[1]]
    while True:
        inside = _TRAILING_WS.sub("", _LEADING_WS.sub("", inside, count=1), count=1)
        cmd = _LATEX_TEXT.match(inside)
        if not cmd or _closing_brace(inside, cmd.end() - 1) != len(inside) - 1:
            return inside
        inside = inside[cmd.end() : -1]


def strip_thinking(s: str) -> str:
    """Remove a leading reasoning block of any family (above) and the whitespace after it, and unwrap GLM's answer
    wrappers (<answer> when it is all that is left, then one box) and a LaTeX box, as askfirst does before matching."""
    m = _OPENED.match(s) or _UNOPENED.match(s)
    s = _LEADING_WS.sub("", s[m.end():], count=1) if m else s
    for w in _WRAPPED:
        u = w.match(s)
        s = u.group(1) if u else s
    box = latex_box(s)
    return s if box is None else box


def _letters(doc: dict, key: str) -> list:
    v = doc.get(key)
    if v is None:
        raise ValueError(
            f"the doc has no {key!r} column: lmms-eval's askfirst task reads the rows of `askfirst export --format lmms-eval` "
            "(a `--format trl` export lacks the columns the reply is read by); export again with --format lmms-eval"
        )
    return list(v)


def parse_reply(reply: str, doc: dict) -> dict:
    """The reply read against the options of `doc`, as askfirst's `parseReply` (after `stripThinking`): a dict with
    "type" (category, intervention, abstain, unparseable), "option" (index in the options, letter order) and
    "correct" (a category) or "valid" (an intervention)."""
    text = strip_thinking(reply)
    options = list(doc["options"])
    iv_letters = _letters(doc, "intervention_letters")
    abstain = set(_letters(doc, "abstain_letters"))
    valid = set(doc["valid_intervention_letters"])
    n = len(iv_letters)
    # The export lists the valid interventions but abstain ones (none of askfirst's kinds or ProactiveBench's datasets
    # makes an abstain option lead anywhere); validity only orders two options of the same text, never one abstention.
    iv = match_options(text, options[:n], {i for i, l in enumerate(iv_letters) if l in valid}, 0)
    answer = ord(doc["answer_letter"]) - 65 - n if doc["answer_letter"] else -1  # none where no category counts (ROD)
    cat = match_options(text, options[n:], {answer} if answer >= 0 else set(), n)
    if cat[0] == "correct":
        return {"type": "category", "option": n + cat[1], "correct": True}
    if iv[0] != "mismatch":
        if iv_letters[iv[1]] in abstain:
            return {"type": "abstain", "option": iv[1]}
        return {"type": "intervention", "option": iv[1], "valid": iv[0] == "correct"}
    if cat[0] == "wrong":
        return {"type": "category", "option": n + cat[1], "correct": False}
    return {"type": "unparseable"}


def first_move(reply: str, doc: dict) -> str:
    """What the first reply did: correct, wrong-category, valid-intervention, invalid-intervention, abstain or
    unparseable (the episode outcomes of docs/evaluation.md, plus the intervention that lets an episode go on)."""
    p = parse_reply(reply, doc)
    if p["type"] == "category":
        return "correct" if p["correct"] else "wrong-category"
    if p["type"] == "intervention":
        return "valid-intervention" if p["valid"] else "invalid-intervention"
    return p["type"]


# --- The lmms-eval task's functions (askfirst_first_turn.yaml) ---


def askfirst_doc_to_visual(doc: dict) -> list:
    """The first view as an RGB PIL image: embedded bytes (train.parquet) or an absolute path (train.jsonl written
    with --absolute-paths)."""
    from PIL import Image  # an lmms-eval dependency

    out = []
    for im in doc["images"]:
        if hasattr(im, "convert"):  # already a PIL image (a dataset cast to datasets.Image)
            out.append(im.convert("RGB"))
            continue
        if isinstance(im, dict) and im.get("bytes"):
            out.append(Image.open(io.BytesIO(im["bytes"])).convert("RGB"))
            continue
        path = im.get("path") if isinstance(im, dict) else im
        if not isinstance(path, str) or not os.path.isabs(path):
            raise ValueError(
                f"image {path!r} of doc {doc.get('episode_id')!r} is a path relative to its export, which lmms-eval cannot "
                "know: name the export's train.parquet (images embedded) in dataset_kwargs.data_files, or export with --absolute-paths"
            )
        with Image.open(path) as f:
            out.append(f.convert("RGB"))
    return out


def askfirst_doc_to_text(doc: dict, lmms_eval_specific_kwargs: Optional[dict] = None) -> str:
    """The prompt `askfirst eval` shows at the first turn (ProactiveBench's template), with the task's pre/post prompt
    around it (empty by default: any other text is no longer askfirst's prompt)."""
    kw = lmms_eval_specific_kwargs or {}
    text = next(p["text"] for p in doc["prompt"][0]["content"] if p["type"] == "text")
    return f"{kw.get('pre_prompt', '')}{text}{kw.get('post_prompt', '')}"


def askfirst_doc_to_target(doc: dict) -> str:
    """What is right at the first view, as `askfirst eval` records it: the valid interventions' letters where the view
    does not show enough, then the correct category ("A. / B. / F. lightning" reads as: asking A or B, or answering F)."""
    valid = list(doc["valid_intervention_letters"])
    answer = f"{doc['answer_letter']}. {doc['answer']}" if doc["answer_letter"] else ""
    return " / ".join([f"{l}." for l in (valid if not doc["control"] else [])] + ([answer] if answer else []))


def view_informative(doc: dict) -> Optional[bool]:
    """The doc's `view_informative`: whether its view shows enough to tell the category, None where that is unknown
    (ProactiveBench's photos); a clear error for a row of an export made before the column existed."""
    if "view_informative" not in doc:
        raise ValueError(
            f"doc {doc.get('episode_id')!r} has no 'view_informative' column, which askfirst_guess reads: the export was made "
            "by an askfirst older than this task; export again with `askfirst export --format lmms-eval`"
        )
    return doc["view_informative"]


def guessed(doc: dict, move: str) -> bool:
    """src/episode/state.ts `record`'s guess, at the first turn: a category named (right or wrong) on a view known not
    to show enough, never in reference mode."""
    return move in ("correct", "wrong-category") and doc.get("mode") != "reference" and view_informative(doc) is False


# metric → (the docs it counts over, whether a doc's first move counts); a doc outside the first gets None (left out).
_ALL = lambda doc: True  # noqa: E731
_CONTROL = lambda doc: bool(doc["control"])  # noqa: E731
_NOT_CONTROL = lambda doc: not doc["control"]  # noqa: E731
_INFORMATIVE_KNOWN = lambda doc: view_informative(doc) is not None  # noqa: E731
_moves = lambda *moves: lambda doc, move: move in moves  # noqa: E731
METRICS = {
    "askfirst_accuracy": (_ALL, _moves("correct")),
    "askfirst_valid_ask": (_NOT_CONTROL, _moves("valid-intervention")),
    "askfirst_over_asking": (_CONTROL, _moves("valid-intervention", "invalid-intervention")),
    "askfirst_control_abstain": (_CONTROL, _moves("abstain")),
    "askfirst_wrong_category": (_ALL, _moves("wrong-category")),
    "askfirst_guess": (_INFORMATIVE_KNOWN, guessed),
    "askfirst_abstain": (_ALL, _moves("abstain")),
    "askfirst_invalid": (_ALL, _moves("invalid-intervention")),
    "askfirst_unparseable": (_ALL, _moves("unparseable")),
}


# The scenario kinds (src/suite/kinds/names.ts SCENARIO_KINDS; ProactiveBench's datasets are read as them): each metric
# is also given per kind, as "<metric>/<kind>" (as lmms-eval's MMStar gives a metric per category), over that kind's docs.
KINDS = ("occlusion", "passerby", "viewpoint", "corruption", "sketch", "late-event", "camera")


def by_kind(values: dict, kind: str) -> dict:
    """A doc's metrics, then each again per kind: its own kind's the same values, every other kind's None (left out), so
    that "<metric>/<kind>" aggregates over that kind's docs what "<metric>" aggregates over all (askfirst eval's byKind).
    A kind not in KINDS gets no per-kind metric (lmms-eval would drop it: the metric_list names KINDS only)."""
    return {**values, **{f"{name}/{k}": (v if k == kind else None) for name, v in values.items() for k in KINDS}}


def metric_names(metrics: dict) -> list:
    """The metric_list's names, in its order: every metric, then per metric each kind's."""
    return list(metrics) + [f"{name}/{k}" for name in metrics for k in KINDS]


def askfirst_process_results(doc: dict, results: list) -> dict:
    """Per metric 1 or 0 for this doc's first move, None where the metric does not count this doc (over-asking and
    control abstain count control episodes only, the valid ask the others, the guess those whose view's informativeness
    is known); then the same per kind (`by_kind`)."""
    move = first_move(results[0] if results else "", doc)
    return by_kind({name: (int(counts(doc, move)) if over(doc) else None) for name, (over, counts) in METRICS.items()}, doc["kind"])


def askfirst_aggregate_rate(items: list) -> Optional[float]:
    """The share of the docs a metric counts (its None values left out); None, not 0, where it counts none (no control
    episode: as askfirst's summary.json has null, and its tables print –)."""
    counted = [x for x in items if x is not None]
    return sum(counted) / len(counted) if counted else None
