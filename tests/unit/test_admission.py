"""Admission per token and per workspace, and each workspace's share of connections: the
rules alone, on the event loop (the API and Neo4j around them: test_tenant_isolation)."""

from __future__ import annotations

import asyncio

import pytest

from service.api.admission import Admission, Quota
from service.errors import OverCapacity
from service.store.pool_share import PoolShare, current_workspace

QUOTAS = {"search": Quota(per_token=2, per_workspace=3), "wait": Quota(per_token=1, per_workspace=5)}


async def _hold(admission: Admission, kind: str, token: str, workspace: str, release: asyncio.Event) -> None:
    async with admission.admitted(kind, token, workspace):
        await release.wait()


async def test_a_token_and_a_workspace_each_have_a_quota_then_503_with_retry_after():
    admission, release = Admission(QUOTAS, queue_s=0.05), asyncio.Event()
    held = [asyncio.create_task(_hold(admission, "search", "t1", "ws", release)) for _ in range(2)]
    await asyncio.sleep(0)
    with pytest.raises(OverCapacity) as refused:
        async with admission.admitted("search", "t1", "ws"):
            pass
    assert refused.value.code == "over_capacity" and refused.value.retry_after_s == 1
    held.append(asyncio.create_task(_hold(admission, "search", "t2", "ws", release)))  # another token: room
    await asyncio.sleep(0)
    with pytest.raises(OverCapacity):  # the workspace's three are in use
        async with admission.admitted("search", "t3", "ws"):
            pass
    async with admission.admitted("search", "t3", "other"):  # another workspace is untouched
        pass
    release.set()
    await asyncio.gather(*held)


async def test_a_queued_request_runs_when_a_slot_frees_and_a_long_poll_never_queues():
    admission, release = Admission(QUOTAS, queue_s=5), asyncio.Event()
    held = [asyncio.create_task(_hold(admission, "search", "t1", "ws", release)) for _ in range(2)]
    await asyncio.sleep(0)
    queued = asyncio.create_task(_hold(admission, "search", "t1", "ws", asyncio.Event()))
    await asyncio.sleep(0.05)
    assert not queued.done()
    release.set()
    await asyncio.gather(*held)
    await asyncio.sleep(0.05)
    assert not queued.done()  # admitted, now holding its slot (a refusal would have ended it)
    queued.cancel()

    waiting = asyncio.create_task(_hold(admission, "wait", "t1", "ws", asyncio.Event()))
    await asyncio.sleep(0)
    with pytest.raises(OverCapacity):
        async with admission.admitted("wait", "t1", "ws"):  # no queue: at once
            pass
    waiting.cancel()


async def test_quotas_are_scaled_then_shared_out_among_processes():
    admission = Admission({"search": Quota(per_token=4, per_workspace=8)}, queue_s=0, workers=4)
    assert admission.quotas["search"] == Quota(per_token=1, per_workspace=2)
    scaled = Admission({"search": Quota(per_token=2, per_workspace=100)}, queue_s=0, scale=0.29)
    assert scaled.quotas["search"] == Quota(per_token=1, per_workspace=29)  # 100 * 0.29 is 28.999...
    assert Admission(QUOTAS, queue_s=0, scale=8).quotas["search"] == Quota(per_token=16, per_workspace=24)


async def test_a_workspace_has_at_most_four_waiting_per_slot_then_503_at_once():
    """Each waiting request holds what it has read (a batch, its body): past four a slot,
    the next is refused without waiting."""
    admission, release = Admission({"batch": Quota(1, 1)}, queue_s=5), asyncio.Event()
    held = asyncio.create_task(_hold(admission, "batch", "t1", "ws", release))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(_hold(admission, "batch", f"t{n}", "ws", release)) for n in range(2, 6)]
    await asyncio.sleep(0.01)
    started = asyncio.get_running_loop().time()
    with pytest.raises(OverCapacity):
        async with admission.admitted("batch", "t9", "ws"):
            pass
    assert asyncio.get_running_loop().time() - started < 1  # at once, not after queue_s
    async with admission.admitted("batch", "t9", "other"):  # another workspace waits for nothing
        pass
    release.set()
    await asyncio.gather(held, *waiting)


async def test_a_workspace_holds_at_most_its_share_of_sessions():
    share, release = PoolShare(slots=1, queue_s=0.05), asyncio.Event()

    async def session(workspace: str | None, nested: bool = False) -> None:
        current_workspace.set(workspace)
        async with share.held():
            if nested:
                async with share.held():  # the same task: no second slot
                    pass
            await release.wait()

    first = asyncio.create_task(session("ws", nested=True))
    await asyncio.sleep(0.01)
    with pytest.raises(OverCapacity):
        await session("ws")
    others = [asyncio.create_task(session("other")), asyncio.create_task(session(None))]
    await asyncio.sleep(0.01)
    assert not any(task.done() for task in others)  # both hold (or need) no slot of ws
    release.set()
    await asyncio.gather(first, *others)


async def test_a_free_slot_is_taken_at_once_even_with_no_time_to_queue():
    share = PoolShare(slots=1, queue_s=0)
    current_workspace.set("ws")
    async with share.held():  # before: wait_for(acquire, 0) timed out on a free slot
        pass
    current_workspace.set(None)
