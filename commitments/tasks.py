from django_tasks import task


@task()
def print_batch(batch_id):
    """Worker side of a batch print (`manage.py worker`); WeasyPrint is imported only when it runs."""
    from .services import run_batch

    run_batch(batch_id)


@task()
def print_part(part_id):
    """One part of a batch; several workers print the parts of one batch side by side."""
    from .services import run_part

    run_part(part_id)
