from django_tasks import task


@task()
def check_import(job_id):
    """Worker side of a large import's first step: check every row, recording progress."""
    from .imports import run_job

    run_job(job_id)


@task()
def save_import(job_id):
    """Worker side of a large import's confirmation: check again, then import all rows or none."""
    from .imports import run_job

    run_job(job_id, save=True)
