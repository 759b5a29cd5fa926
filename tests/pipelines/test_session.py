"""The session builder: settings, quiet logs, and reuse of the session already running."""

from __future__ import annotations

import pytest

from oncall.errors import UsageError
from pipelines.session import (
    SparkOptions,
    get_session,
    log_config_file,
    parse_conf,
    session_conf,
    user_lines,
)
from tests.pipelines.conftest import ts

AS_OF = ts("2027-01-06T09:00:00")


def test_parse_conf_splits_on_the_first_equals_sign():
    assert parse_conf(["spark.a=1", "spark.b = x=y"]) == (("spark.a", "1"), ("spark.b", "x=y"))


def test_parse_conf_names_a_pair_without_value():
    with pytest.raises(UsageError, match=r"--conf: 'spark.driver.memory' is not KEY=VALUE"):
        parse_conf(["spark.driver.memory"])


def test_session_conf_defaults_utc_ansi_and_no_ui():
    conf = session_conf(SparkOptions())
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.ansi.enabled"] == "true"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.ui.showConsoleProgress"] == "false"
    assert "spark.driver.memory" not in conf


def test_session_conf_applies_options_and_lets_conf_win():
    options = SparkOptions(
        ui=True,
        driver_memory="1g",
        conf=(("spark.sql.ansi.enabled", "false"), ("spark.driver.extraJavaOptions", "-Dx=1")),
    )
    conf = session_conf(options)
    assert conf["spark.ui.enabled"] == "true"
    assert conf["spark.driver.memory"] == "1g"
    assert conf["spark.sql.ansi.enabled"] == "false"
    # the user's JVM options are kept, and the quiet logging configuration is added to them
    assert conf["spark.driver.extraJavaOptions"].startswith(
        "-Dx=1 -Dlog4j2.configurationFile=file:"
    )


def test_log_config_silences_spark_at_the_chosen_level():
    text = log_config_file("error").read_text()
    assert "rootLogger.level = error" in text
    assert "logger.spark.level = error" in text
    with pytest.raises(UsageError, match="--spark-log"):
        log_config_file("loud")


#: what a driver that had lost a worker printed after its run had finished well (shortened)
LATE_REPLY = b"""\
java.util.concurrent.RejectedExecutionException: Task Future(<not completed>) rejected from \
java.util.concurrent.ThreadPoolExecutor@1399869c[Terminated, pool size = 0, active threads = 0, \
queued tasks = 0, completed tasks = 220]
\tat java.base/java.util.concurrent.ThreadPoolExecutor.execute(ThreadPoolExecutor.java:1365)
\tat org.apache.spark.rpc.netty.RpcOutboxMessage.onFailure(Outbox.scala:86)
\tat java.base/java.lang.Thread.run(Thread.java:840)
"""


def test_the_jvm_stderr_drops_its_noise_and_late_replies_but_nothing_else():
    kept = [
        b"error: growth: no Spark executor for 10 s\n",
        b"java.util.concurrent.RejectedExecutionException: Task x rejected from pool@1[Running]\n",
        b"\tat somewhere.Else(Else.java:1)\n",
    ]
    lines = [
        b"WARNING: Using incubator modules: jdk.incubator.vector\n",
        *LATE_REPLY.splitlines(keepends=True),
        kept[0],
        *LATE_REPLY.splitlines(keepends=True),
        *kept[1:],
    ]
    assert list(user_lines(lines)) == kept


@pytest.mark.spark
def test_an_active_session_is_reused_with_runtime_settings(spark):
    before = spark.conf.get("spark.sql.shuffle.partitions")
    session, started = get_session(SparkOptions(conf=(("spark.sql.shuffle.partitions", "3"),)))
    try:
        assert session is spark
        assert started is False
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
        assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", before)


@pytest.mark.spark
def test_a_session_that_lives_on_compiles_a_repeated_diagnose_once(spark, demo_all_run):
    from oncall.config.catalog import PIPELINE_IDS
    from pipelines.checks import runner

    compiled = spark._jvm.org.apache.spark.metrics.source.CodegenMetrics.METRIC_COMPILATION_TIME()

    def diagnose_all() -> int:
        before = compiled.getCount()
        runner.diagnose(spark, demo_all_run, PIPELINE_IDS, dict.fromkeys(PIPELINE_IDS), as_of=AS_OF)
        return int(compiled.getCount() - before)

    diagnose_all()  # whatever this JVM has not met yet
    # with Spark's own cache of 100 classes the second one compiled about 130 again (the first
    # evicts its own earliest); a few plans hold a literal of their own and are compiled anew
    assert diagnose_all() < 20
