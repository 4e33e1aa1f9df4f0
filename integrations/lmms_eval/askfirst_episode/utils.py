"""askfirst's episodes in lmms-eval, played to their end: lmms-eval's `generate_until_multi_round`.

The docs are the rows of `askfirst export --format lmms-eval --turns episode`: the first turn's row (the same prompt and
view `askfirst eval` shows first) plus `views` (the image of every view the episode can reach) and `episode` (JSON of
what src/episode/state.ts steps by: per view its prompt, options, the letters a reply is read by, which valid
intervention leads to which view, whether it shows enough; the turn budget, mode, control, kind, the oracle's minimum).

Round 0 shows the first view and prompt. At round r > 0, `askfirst_doc_to_text` replays the r replies so far with
askfirst's rules (`play`: the reply read as src/episode/parse.ts `parseReply` reads it after the HTTP policy's
`stripThinking`; a correct category ends the episode as a success, a valid intervention moves to the view it leads to,
anything else ends it as a failure, and so does reaching `max_turns`) and either ends the episode (terminal) or shows the
view it is on. `askfirst_process_results` plays the episode's replies again and scores it as `askfirst eval` scores a
record (src/episode/metrics.ts `computeMetrics`); each metric's aggregation is the mean over the docs it counts, which is
askfirst's rate. The gap closed needs other runs (a reference run and the model before training): integrations/README.md.

Written against lmms-eval main 75571cf (August 2026, after v0.7.2): the multi-round loops of
lmms_eval/models/simple/qwen2_5_vl.py, qwen2_vl.py, llava_onevision.py (doc_to_text(doc, previous_output=[reply of each
round so far], round_idx=r, previous_round_info=...) → (visuals, context, terminal, previous_output,
previous_round_info); the loop stops when terminal and hands process_results one list of the rounds' replies) and
lmms_eval/models/chat/vllm.py through lmms_eval/api/task.py ConfigurableMessagesTask._auto_doc_to_messages (the same
5-tuple). Each round is a new conversation of one user turn (the view and the prompt), as `askfirst eval` without
--history. The reply matching, image loading and the aggregation are askfirst_first_turn's (../askfirst_first_turn/utils.py,
loaded from beside this folder: keep the two folders together).
"""
from __future__ import annotations

import importlib.util
import json
import os
from typing import Optional

_FIRST_TURN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "askfirst_first_turn", "utils.py")
if not os.path.isfile(_FIRST_TURN):
    raise ImportError(
        f"askfirst_episode reads replies with askfirst_first_turn's utils.py, not found at {os.path.normpath(_FIRST_TURN)}: "
        "keep integrations/lmms_eval/askfirst_first_turn beside askfirst_episode (--include_path integrations/lmms_eval)"
    )
_spec = importlib.util.spec_from_file_location("askfirst_first_turn_utils", _FIRST_TURN)
first_turn = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(first_turn)

parse_reply = first_turn.parse_reply
askfirst_doc_to_visual = first_turn.askfirst_doc_to_visual
askfirst_aggregate_rate = first_turn.askfirst_aggregate_rate
KINDS = first_turn.KINDS
by_kind = first_turn.by_kind
metric_names = first_turn.metric_names


def episode_of(doc: dict) -> dict:
    """The doc's `episode` column, parsed; a clear error for a row of another export."""
    raw = doc.get("episode")
    if raw is None:
        raise ValueError(
            f"doc {doc.get('episode_id')!r} has no 'episode' column: askfirst_episode reads the rows of "
            "`askfirst export --format lmms-eval --turns episode` (a first-turn export lacks the episode); export again with --turns episode"
        )
    return json.loads(raw) if isinstance(raw, str) else raw


def play(doc: dict, replies: list) -> dict:
    """The episode after `replies` (one per turn, as the model gave them), as src/episode/state.ts plays it: the view it
    is on, whether it is over and how it ended, and per turn the view, its informativeness and the action read."""
    ep = episode_of(doc)
    views = {v["view"]: v for v in ep["views"]}
    view, outcome, valid = ep["first_view"], None, 0
    turns = []
    for reply in replies:
        if outcome is not None:
            raise ValueError(f"episode {doc.get('episode_id')!r} ended at turn {len(turns)} ({outcome}) but has {len(replies)} replies")
        at = views[view]
        action = parse_reply(reply, at)
        turns.append({"view": view, "informative": at["informative"], "action": action})
        if action["type"] == "category":
            outcome = "correct" if action["correct"] else "wrong-category"
        elif action["type"] in ("abstain", "unparseable"):
            outcome = action["type"]
        elif not action["valid"] or ep["mode"] == "reference":
            outcome = "invalid-intervention"
        else:
            valid += 1
            view = at["next"][at["intervention_letters"][action["option"]]]
        if outcome is None and len(turns) >= ep["max_turns"]:
            outcome = "max-turns"
    return {"view": view, "done": outcome is not None, "outcome": outcome, "turns": turns, "interventions": valid}


def _prompt(view: dict, kw: Optional[dict]) -> str:
    kw = kw or {}
    return f"{kw.get('pre_prompt', '')}{view['prompt']}{kw.get('post_prompt', '')}"


def _view_image(doc: dict, position: int) -> list:
    """The image of the `position`-th reachable view, opened as askfirst_first_turn opens the first (embedded bytes or an
    absolute path)."""
    return askfirst_doc_to_visual({**doc, "images": [doc["views"][position]]})


def askfirst_doc_to_text(doc: dict, lmms_eval_specific_kwargs: Optional[dict] = None, previous_output=None, round_idx=None, previous_round_info=None):
    """Round 0 (round_idx None or 0): the first prompt, as askfirst_first_turn shows it. Round r > 0: lmms-eval's
    multi-round 5-tuple (visuals, text, terminal, previous_output, previous_round_info) after replaying the r replies so
    far: terminal when the episode is over, else the view it moved to and its prompt. previous_round_info is
    {"view", "turn"} for a reader of lmms-eval's logs; the play never depends on it (it is replayed from the replies)."""
    ep = episode_of(doc)
    if not round_idx:
        return _prompt(ep["views"][0], lmms_eval_specific_kwargs)
    replies = list(previous_output or [])
    state = play(doc, replies)
    info = {"view": state["view"], "turn": len(replies)}
    if state["done"]:
        return None, None, True, replies, info
    position = next(i for i, v in enumerate(ep["views"]) if v["view"] == state["view"])
    return _view_image(doc, position), _prompt(ep["views"][position], lmms_eval_specific_kwargs), False, replies, info


def askfirst_doc_to_target(doc: dict) -> str:
    """The correct category's text (what ends the episode as a success, at a view where it counts)."""
    return doc["answer"]


def score(doc: dict, replies: list) -> dict:
    """The episode record's figures (src/episode/state.ts `record`): outcome, success, turns, ps, valid interventions,
    the oracle's minimum, guessed (a category named on a view known not to show enough, not in reference mode) and
    whether that can be told, control, and the first move."""
    ep = episode_of(doc)
    state = play(doc, replies)
    if not state["done"]:
        raise ValueError(
            f"episode {doc.get('episode_id')!r} is not over after its {len(replies)} replies: lmms-eval stops a multi-round "
            "doc only when doc_to_text says it is over, so these replies are not one whole play (a model whose "
            "generate_until_multi_round runs one generation per doc?): run askfirst_episode with a model that plays rounds "
            "(integrations/README.md, \"lmms-eval\")"
        )
    last = state["turns"][-1]
    return {
        "outcome": state["outcome"],
        "success": state["outcome"] == "correct",
        "turns": len(state["turns"]),
        "ps": len(state["turns"]) - 1,
        "interventions": state["interventions"],
        "min_interventions": ep["min_interventions"],
        "guessed": last["action"]["type"] == "category" and ep["mode"] != "reference" and last["informative"] is False,
        "guess_known": last["informative"] is not None,
        "control": bool(ep["control"]),
        "first": state["turns"][0]["action"]["type"],
    }


# metric → (the episodes it counts, its value for one), as src/episode/metrics.ts computeMetrics; None where a metric
# does not count the episode (left out by the aggregation).
METRICS = {
    "askfirst_accuracy": (lambda s: True, lambda s: int(s["success"])),
    "askfirst_ps_rate": (lambda s: True, lambda s: s["ps"]),
    "askfirst_interventions": (lambda s: True, lambda s: s["interventions"]),
    "askfirst_oracle_ps_rate": (lambda s: True, lambda s: s["min_interventions"]),
    "askfirst_guess": (lambda s: s["guess_known"], lambda s: int(s["guessed"])),
    "askfirst_abstain": (lambda s: True, lambda s: int(s["outcome"] == "abstain")),
    "askfirst_invalid": (lambda s: True, lambda s: int(s["outcome"] == "invalid-intervention")),
    "askfirst_unparseable": (lambda s: True, lambda s: int(s["outcome"] == "unparseable")),
    "askfirst_max_turns": (lambda s: True, lambda s: int(s["outcome"] == "max-turns")),
    "askfirst_over_asking": (lambda s: s["control"], lambda s: int(s["first"] == "intervention")),
    "askfirst_control_abstain": (lambda s: s["control"], lambda s: int(s["first"] == "abstain")),
    "askfirst_accuracy_non_control": (lambda s: not s["control"], lambda s: int(s["success"])),
}
# computeMetrics' field of each metric (integrations/tests and docs/evaluation.md name them so).
ASKFIRST_FIELDS = {
    "askfirst_accuracy": "accuracy",
    "askfirst_ps_rate": "psRate",
    "askfirst_interventions": "interventions",
    "askfirst_oracle_ps_rate": "oraclePsRate",
    "askfirst_guess": "guessRate",
    "askfirst_abstain": "abstainRate",
    "askfirst_invalid": "invalidRate",
    "askfirst_unparseable": "unparseableRate",
    "askfirst_max_turns": "maxTurnsRate",
    "askfirst_over_asking": "overAsking",
    "askfirst_control_abstain": "controlAbstain",
    "askfirst_accuracy_non_control": "accuracyNonControl",
}


def replies_of(results: list) -> list:
    """The rounds' replies of one doc as lmms-eval hands them to process_results: results[0] is the list (or tuple) of
    every round's reply. A single string is one generation, not a multi-round play: refused with what to do."""
    rounds = results[0] if results else None
    if isinstance(rounds, str) or rounds is None:
        raise ValueError(
            "askfirst_episode got one reply per doc, not one per round: the model's generate_until_multi_round runs a single "
            "generation (lmms-eval's dummy, from_log, qwen_image_edit) or none; use one that plays rounds (integrations/README.md, \"lmms-eval\")"
        )
    return ["" if r is None else r for r in rounds]


def askfirst_process_results(doc: dict, results: list) -> dict:
    """Per metric this episode's value (1/0 for a rate, a count for ps-rate and interventions), None where the metric
    does not count it (over-asking and control abstain count controls, accuracy_non_control the others, guess the
    episodes whose last view's informativeness is known); then the same per kind (askfirst_first_turn's `by_kind`: each
    "<metric>/<kind>" is summary.json's byKind)."""
    s = score(doc, replies_of(results))
    return by_kind({name: (value(s) if counts(s) else None) for name, (counts, value) in METRICS.items()}, doc["kind"])


MIN_GAP_EPISODES = 5  # src/episode/metrics.ts: the reference must answer at least this many more episodes right


def gap_closed(acc: float, acc_untrained: float, acc_reference: float, episodes: int) -> Optional[float]:
    """src/episode/metrics.ts `gapClosed`: (acc − acc_untrained) / (acc_reference − acc_untrained), the three
    `askfirst_accuracy` figures of runs over the same docs (this task for the model and for the model before training,
    askfirst_episode_reference for the reference); None (askfirst: NaN, printed –) when the reference answers fewer than
    MIN_GAP_EPISODES of the `episodes` more right than the untrained model."""
    gap = acc_reference - acc_untrained
    if gap * episodes < MIN_GAP_EPISODES - 1e-6:
        return None
    return (acc - acc_untrained) / gap
