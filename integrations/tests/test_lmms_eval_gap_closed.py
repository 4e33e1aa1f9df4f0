"""integrations/lmms_eval/askfirst_episode/utils.py `gap_closed` against askfirst's own (src/episode/metrics.ts
gapClosed), on a table of cases tests/lmms-eval-task.test.ts computes with the TypeScript function and writes to
ASKFIRST_TEST_GAP_CASES: {"min_gap_episodes": MIN_GAP_EPISODES, "cases": [{"args": [acc, untrained, reference,
episodes], "want": gap closed, or null where askfirst's is NaN (the reference fewer than MIN_GAP_EPISODES ahead)}]}.

    ASKFIRST_TEST_GAP_CASES=cases.json /usr/bin/python3 -m unittest integrations/tests/test_lmms_eval_gap_closed.py
"""
import importlib.util
import json
import math
import os
import unittest

UTILS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lmms_eval", "askfirst_episode", "utils.py")
_spec = importlib.util.spec_from_file_location("askfirst_episode_utils", UTILS)
utils = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(utils)


class GapClosed(unittest.TestCase):
    def test_matches_askfirst(self):
        with open(os.environ["ASKFIRST_TEST_GAP_CASES"], encoding="utf-8") as f:
            table = json.load(f)
        self.assertEqual(utils.MIN_GAP_EPISODES, table["min_gap_episodes"])
        self.assertGreater(len(table["cases"]), 0)
        for case in table["cases"]:
            got = utils.gap_closed(*case["args"])
            with self.subTest(args=case["args"]):
                if case["want"] is None:
                    self.assertIsNone(got)
                else:
                    self.assertIsNotNone(got)
                    self.assertTrue(math.isclose(got, case["want"], rel_tol=1e-12, abs_tol=1e-12), f"{got} != {case['want']}")


if __name__ == "__main__":
    unittest.main()
