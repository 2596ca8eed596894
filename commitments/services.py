"""Printing across apps: issue one document, or run a village- or town-wide batch with progress."""

from django.db import transaction
from django.utils import timezone

from grids.models import Grid
from posts.models import Round

from . import documents
from .models import BatchStatus, DocumentKind, IssuedDocument, PrintBatch
from .pdf import render_batch, render_pdf

PURPOSES = {
    DocumentKind.POST_LIST: "申报选岗：向党员群众公布岗位",
    DocumentKind.NOTICE: "支部议岗：拟上岗人选公示",
    DocumentKind.LETTER: "群众定岗：签订承诺书",
    DocumentKind.WALL_SHEET: "群众定岗：公示上墙",
}


def issue_for_grid(kind, grid, by):
    """Render one grid's document, archive it, return the archived document (DocumentError if premature)."""
    section = documents.GRID_BUILDERS[kind](grid)
    title = f"{grid.village.name}{grid.name}{DocumentKind(kind).label}"
    pdf, pages = render_pdf([section], title)
    return IssuedDocument.archive(
        pdf, pages, f"{kind}.pdf", kind=kind, title=title, town=grid.village.town, village=grid.village,
        grid=grid, round=Round.current_or_latest(grid.village_id), purpose=PURPOSES[kind], issued_by=by,
    )  # fmt: skip


def issue_letter(assignment, by):
    section = documents.letter(assignment)
    title = f"{assignment.member.name}设岗定责承诺书"
    pdf, pages = render_pdf([section], title)
    grid = assignment.post.grid
    return IssuedDocument.archive(
        pdf, pages, "letter.pdf", kind=DocumentKind.LETTER, title=title, town=grid.village.town,
        village=grid.village, grid=grid, assignment=assignment, round=assignment.round,
        purpose=PURPOSES[DocumentKind.LETTER], issued_by=by,
    )  # fmt: skip


def start_batch(kind, town, village, by):
    """Record a batch and queue it for the worker."""
    from .tasks import print_batch

    batch = PrintBatch.objects.create(kind=kind, town=town, village=village, requested_by=by)
    transaction.on_commit(lambda: print_batch.enqueue(batch.pk))
    return batch


def run_batch(batch_id):
    """Render a batch chunk by chunk, saving progress after each, then archive the whole PDF."""
    batch = PrintBatch.objects.select_related("town", "village").get(pk=batch_id)
    if batch.status == BatchStatus.DONE:
        return
    batch.status, batch.error, batch.pages_done = BatchStatus.RUNNING, "", 0
    batch.save(update_fields=["status", "error", "pages_done"])
    try:
        grids = Grid.objects.filter(village__town=batch.town).select_related("village__town", "secretary")
        if batch.village_id:
            grids = grids.filter(village=batch.village_id)
        sections = documents.sections_for(batch.kind, list(grids.order_by("village__name", "number")))
        PrintBatch.objects.filter(pk=batch.pk).update(pages_total=len(sections))

        def progress(done):
            PrintBatch.objects.filter(pk=batch.pk).update(pages_done=done, pages_total=max(done, len(sections)))

        pdf, pages = render_batch(sections, str(batch), progress=progress)
        document = IssuedDocument.archive(
            pdf, pages, f"{batch.kind}-batch.pdf", kind=batch.kind, title=str(batch), town=batch.town,
            village=batch.village, purpose=PURPOSES[batch.kind], issued_by=batch.requested_by,
        )  # fmt: skip
        PrintBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.DONE, document=document, pages_done=pages, pages_total=pages, finished_at=timezone.now()
        )
    except documents.DocumentError as error:
        fail(batch, str(error))
    except Exception:  # a batch must end as failed with a reason, never hang as running
        fail(batch, "生成时出错。可以点击“重新生成”再试；如仍失败，请联系系统管理员查看日志。")
        raise


def fail(batch, reason):
    PrintBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.FAILED, error=reason, finished_at=timezone.now())


def retry_batch(batch, by):
    """Queue a failed batch again, as the same batch (its page shows the new progress)."""
    from .tasks import print_batch

    updated = PrintBatch.objects.filter(pk=batch.pk, status=BatchStatus.FAILED).update(
        status=BatchStatus.QUEUED, error="", pages_done=0, finished_at=None
    )
    if updated:
        transaction.on_commit(lambda: print_batch.enqueue(batch.pk))
    return bool(updated)
