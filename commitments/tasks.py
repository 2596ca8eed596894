from django_tasks import task


@task()
def print_batch(batch_id):
    """Worker side of a batch print (`manage.py db_worker`); WeasyPrint is imported only when it runs."""
    from .services import run_batch

    run_batch(batch_id)
