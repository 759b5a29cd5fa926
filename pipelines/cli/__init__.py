"""``pipeline``: run the four Spark pipelines, diagnose them, and generate demo data.

Thin on purpose: options are parsed here, the work is done by ``pipelines.runner``,
``pipelines.checks`` and ``pipelines.demo``. One module per command (``list``, ``run``,
``demo_data``, ``diagnose``, ``server``), wired together by ``app``; the options they share are
defined once in ``options``, and every command that needs Spark gets it from
``spark.spark_session``, a block around ``pipelines.session.open_session`` (which starts and
stops it) that also shows the progress of its stages. pyspark is imported only inside the
commands that start Spark, so ``pipeline --help`` and ``pipeline list`` never touch it.
"""

from pipelines.cli.app import app, main

__all__ = ["app", "main"]
