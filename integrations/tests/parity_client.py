"""Play scripted replies through `askfirst env serve` (the parity test and anyone checking a server).

    /usr/bin/python3 integrations/tests/parity_client.py --url http://127.0.0.1:8000 \
        --script replies.jsonl --out env-results.jsonl [--mode proactive] [--concurrency 8]

`replies.jsonl` is the file `askfirst eval --policy scripted:FILE` reads: one
`{"episode_id": ..., "replies": [...]}` a line; a turn past the replies gets "" (unparseable), as the
scripted policy does. Writes one line per episode: id, outcome, turns, interventions, per-step
rewards, total reward, and the replies the server recorded.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from askfirst_env_client import AsyncAskfirstEnv  # noqa: E402


async def play(env: AsyncAskfirstEnv, episode_id: str, replies: list, mode: str) -> dict:
    r = await env.reset(episode_id=episode_id, mode=mode)
    if r.observation["episode_id"] != episode_id:
        raise RuntimeError(f"asked for {episode_id}, got {r.observation['episode_id']}")
    rewards = []
    t = 0
    while not r.done:
        if r.observation["turn"] != t:
            raise RuntimeError(f"{episode_id}: expected turn {t}, got {r.observation['turn']}")
        r = await env.step(replies[t] if t < len(replies) else "")
        rewards.append(r.reward)
        t += 1
    st = await env.state()
    return {
        "id": episode_id,
        "outcome": r.observation["outcome"],
        "turns": r.observation["turn"],
        "interventions": r.observation["interventions"],
        "rewards": rewards,
        "total": sum(rewards),
        "replies": st["replies"],
        "reward_parts": r.observation["reward_parts"],
    }


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", default="proactive")
    ap.add_argument("--concurrency", type=int, default=8)
    a = ap.parse_args()
    with open(a.script) as f:
        items = [json.loads(line) for line in f if line.strip()]
    queue = list(reversed(items))
    results = []

    async def worker():
        async with AsyncAskfirstEnv(a.url) as env:
            while queue:
                it = queue.pop()
                results.append(await play(env, it["episode_id"], it["replies"], a.mode))

    await asyncio.gather(*[worker() for _ in range(min(a.concurrency, len(items)))])
    order = {it["episode_id"]: i for i, it in enumerate(items)}
    results.sort(key=lambda x: order[x["id"]])
    with open(a.out, "w") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")
    print(json.dumps({"episodes": len(results)}))


if __name__ == "__main__":
    asyncio.run(main())
