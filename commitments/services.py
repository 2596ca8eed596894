"""Printing across apps: issue one document, or run a village- or town-wide batch with progress."""

import tempfile
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from grids.models import Grid
from jinchen.leases import MAX_CLAIMS, OUTAGE, lease_end, renewing, worker_name
from posts.models import Round

from . import documents
from .models import BatchPart, BatchStatus, DocumentKind, IssuedDocument, PrintBatch
from .pdf import join_pdfs, render_pdf

PURPOSES = {
    DocumentKind.POST_LIST: "申报选岗：向党员群众公布岗位",
    DocumentKind.NOTICE: "支部议岗：拟上岗人选公示",
    DocumentKind.LETTER: "群众定岗：签订承诺书",
    DocumentKind.WALL_SHEET: "群众定岗：公示上墙",
}


def issue_for_grid(kind, grid, by, base_url=None):
    """Render one grid's document, archive it, return the archived document (DocumentError if premature).
    Its QR code opens the grid's public page under `base_url` (documents.public_base_url of the request)."""
    section = documents.GRID_BUILDERS[kind](grid, base_url)
    title = f"{grid.village.name}{grid.name}{DocumentKind(kind).label}"
    pdf, pages = render_pdf([section], title)
    return IssuedDocument.archive(
        pdf,
        pages,
        f"{kind}.pdf",
        kind=kind,
        title=title,
        town=grid.village.town,
        village=grid.village,
        grid=grid,
        round=Round.current_or_latest(grid.village_id),
        purpose=PURPOSES[kind],
        issued_by=by,
    )


def issue_letter(assignment, by):
    section = documents.letter(assignment)
    title = f"{assignment.member.name}设岗定责承诺书"
    pdf, pages = render_pdf([section], title)
    grid = assignment.post.grid
    return IssuedDocument.archive(
        pdf,
        pages,
        "letter.pdf",
        kind=DocumentKind.LETTER,
        title=title,
        town=grid.village.town,
        village=grid.village,
        grid=grid,
        assignment=assignment,
        round=assignment.round,
        purpose=PURPOSES[DocumentKind.LETTER],
        issued_by=by,
    )


def start_batch(kind, town, village, by, base_url=""):
    """Record a batch and queue it for the worker, which prints its QR codes under `base_url` (the address the
    request came to, or PUBLIC_BASE_URL: a worker has no request to derive it from)."""
    from .tasks import print_batch

    batch = PrintBatch.objects.create(kind=kind, town=town, village=village, requested_by=by, base_url=base_url)
    transaction.on_commit(lambda: print_batch.enqueue(batch.pk))
    return batch


# Letters (or grids) per part (settings.PRINT_PART_SIZE, read by each worker when it starts): small enough that
# several workers share a batch.
PART_KEYS = settings.PRINT_PART_SIZE
# Whatever breaks while a batch is planned, printed or joined, it ends as failed with this, never stays running.
CRASHED = "生成时出错。可以点击“重新生成”再试；如仍失败，请联系系统管理员查看日志。"


def run_batch(batch_id):
    """Plan a batch: freeze what it prints, cut it into parts and queue one task per part.

    Any number of workers (`manage.py worker`, on any machine) then print the parts side by side; each part is
    claimed by exactly one of them, and the worker that finishes the last part joins and archives the PDF.
    The planner holds a lease on the batch until every part is queued; a planner that dies before is replaced
    by the next sweep (recover_batches).
    """
    claimed = (
        PrintBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED)
        .filter(Q(lease_until=None) | Q(lease_until__lt=timezone.now()))
        .update(lease_until=lease_end())
    )
    batch = PrintBatch.objects.select_related("town", "village").get(pk=batch_id)
    if not claimed or batch.parts.exists():
        return None
    try:
        with renewing(PrintBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED)):
            grids = Grid.objects.select_related("village__town", "secretary")
            grids = grids.filter(village__town=batch.town) if batch.town_id else grids
            if batch.village_id:
                grids = grids.filter(village=batch.village_id)
            grids = list(grids.order_by("village__town__name", "village__name", "number"))
            keys = documents.plan(batch.kind, grids, base_url=batch.base_url)
    except documents.DocumentError as error:
        fail(batch, str(error))
        return None
    except OUTAGE:
        raise  # the lease runs out and the batch is planned again once the database is back
    except Exception:
        fail(batch, CRASHED)
        raise
    with transaction.atomic():
        parts = BatchPart.objects.bulk_create(
            BatchPart(batch=batch, index=i, keys=keys[first : first + PART_KEYS])
            for i, first in enumerate(range(0, len(keys), PART_KEYS))
        )
        PrintBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.RUNNING, error="", pages_done=0, pages_total=len(keys)
        )
    queue_parts(batch, parts)
    return parts


def queue_parts(batch, parts):
    from .tasks import print_part

    for part in parts:
        print_part.enqueue(part.pk)
    PrintBatch.objects.filter(pk=batch.pk).update(lease_until=None)  # planned: nothing of the planner's is left


def run_part(part_id):
    """Print one part if nobody has claimed it yet (True if this call printed it), then finish the batch.

    The claim names this worker and its attempt; it is renewed while the part prints, and every later write
    is conditional on it, so a worker whose claim lapsed and was taken over writes nothing.
    """
    claimed = BatchPart.objects.filter(pk=part_id, status=BatchStatus.QUEUED).update(
        status=BatchStatus.RUNNING, worker=worker_name(), lease_until=lease_end(), attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    part = BatchPart.objects.select_related("batch").get(pk=part_id)
    batch = part.batch
    mine = BatchPart.objects.filter(pk=part.pk, status=BatchStatus.RUNNING, worker=part.worker, attempts=part.attempts)
    try:
        with renewing(mine):
            sections = documents.sections_of(batch.kind, part.keys, base_url=batch.base_url)
            pdf, pages = render_pdf(sections, str(batch))
        part.file.save(f"{batch.pk}-{part.index:04d}.pdf", ContentFile(pdf), save=False)
        printed = mine.update(status=BatchStatus.DONE, pages=pages, file=part.file.name, finished_at=timezone.now())
        if not printed:  # 重新生成, or another worker after this claim lapsed: these pages count no more
            part.file.delete(save=False)
            return False
        PrintBatch.objects.filter(pk=batch.pk).update(pages_done=F("pages_done") + len(part.keys))
    except OUTAGE:
        raise  # the claim lapses and another worker prints the part once the database is back
    except Exception:
        mine.update(status=BatchStatus.FAILED)
        fail(batch, CRASHED)
        raise
    try:
        finish(batch.pk)
    except OUTAGE:
        raise  # recover_batches joins it later
    except Exception:  # e.g. a part's file unreadable when joining: the whole batch again, by 重新生成
        fail(batch, CRASHED)
        raise
    return True


def recover_batches():
    """Take again what dead workers left of running batches: every worker calls this now and then.

    A planner that died (batch queued or just planned, lease run out) → plan again / queue its parts again; a
    part whose printer died (running, lease run out) → queued again with a new task, or the batch failed after
    MAX_CLAIMS attempts; every part printed but nobody joined them (the joiner died) → join now.
    Each step is a conditional update on the state read, so any number of workers may sweep at once.
    """
    from .tasks import print_batch, print_part

    now = timezone.now()
    for batch in PrintBatch.objects.filter(status=BatchStatus.QUEUED, lease_until__lt=now):
        if PrintBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED, lease_until__lt=now).update(
            lease_until=None
        ):
            print_batch.enqueue(batch.pk)
    for batch in PrintBatch.objects.filter(status=BatchStatus.RUNNING, lease_until__lt=now):
        if PrintBatch.objects.filter(pk=batch.pk, lease_until__lt=now).update(lease_until=lease_end()):
            queue_parts(batch, batch.parts.filter(status=BatchStatus.QUEUED))  # a spare task claims nothing
    lapsed = BatchPart.objects.filter(status=BatchStatus.RUNNING, lease_until__lt=now)
    lapsed = lapsed.filter(batch__status=BatchStatus.RUNNING)
    for part in lapsed.select_related("batch"):
        claim = BatchPart.objects.filter(
            pk=part.pk, status=BatchStatus.RUNNING, worker=part.worker, attempts=part.attempts, lease_until__lt=now
        )
        if part.attempts >= MAX_CLAIMS:
            if claim.update(status=BatchStatus.FAILED):
                fail(part.batch, CRASHED)
        elif claim.update(status=BatchStatus.QUEUED, lease_until=None):
            print_part.enqueue(part.pk)
    unjoined = (
        PrintBatch.objects.filter(status=BatchStatus.RUNNING, parts__isnull=False)
        .exclude(parts__status__in=[BatchStatus.QUEUED, BatchStatus.RUNNING, BatchStatus.FAILED])
        .annotate(last_part=Max("parts__finished_at"))
        .filter(last_part__lt=now - timedelta(seconds=settings.TASK_LEASE_SECONDS))
    )
    for batch in unjoined:
        try:
            finish(batch.pk)
        except OUTAGE:
            raise
        except Exception:
            fail(batch, CRASHED)
            raise


def finish(batch_id):
    """Join and archive the batch once every part is printed: done once, by whoever gets the lock first."""
    with transaction.atomic():
        batch = PrintBatch.objects.select_for_update(of=("self",)).select_related("town", "village").get(pk=batch_id)
        parts = list(batch.parts.order_by("index"))
        if batch.status != BatchStatus.RUNNING or any(p.status != BatchStatus.DONE for p in parts):
            return None
        # Read from the parts' files, joined into a temporary file, hashed and archived from there: no copy of
        # the whole PDF in memory besides qpdf's.
        files = [p.file.open("rb") for p in parts]
        with tempfile.TemporaryFile() as joined:
            if len(files) > 1:
                join_pdfs(files, joined)
            document = IssuedDocument.archive(
                joined if len(files) > 1 else files[0],
                sum(p.pages for p in parts),
                f"{batch.kind}-batch.pdf",
                kind=batch.kind,
                title=str(batch),
                town=batch.town,
                village=batch.village,
                purpose=PURPOSES[batch.kind],
                issued_by=batch.requested_by,
            )
        for f in files:
            f.close()
        PrintBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, document=document, pages_done=batch.pages_total, finished_at=timezone.now()
        )
    for p in parts:  # the archive keeps the joined PDF; the parts were only a means
        p.file.delete(save=False)
    return document


def fail(batch, reason):
    PrintBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=reason, finished_at=timezone.now())


def retry_batch(batch, by, base_url=None):
    """Queue a failed batch again, as the same batch (its page shows the new progress); with `base_url`, the
    address of the retrying request, whose QR codes then use it."""
    from .tasks import print_batch

    changes = {"base_url": base_url} if base_url else {}
    updated = PrintBatch.objects.filter(pk=batch.pk, status=BatchStatus.FAILED).update(
        status=BatchStatus.QUEUED, error="", pages_done=0, finished_at=None, lease_until=None, **changes
    )
    if updated:
        batch.parts.all().delete()  # planned afresh: the data may have changed since
        transaction.on_commit(lambda: print_batch.enqueue(batch.pk))
    return bool(updated)
