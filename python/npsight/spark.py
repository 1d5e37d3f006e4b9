"""Tag survey comments on Spark with ``npsight tag`` (see README, "npsight tag").

Each partition is piped through one ``npsight tag - -q`` process on its executor: records go in
as JSON Lines (``id``, ``score``, ``comment`` and the record's global ``row``), tagged lines come
back in order, one per record. The driver first measures the language prior on the first 500
records (``npsight tag --measure-prior``, as one run would on the whole file) and gives it to every
partition (``--prior``), so the partitions tag exactly as one ``npsight tag`` run over the whole
stream: tested in ``scripts/test-spark`` (``local[2]``, four partitions, byte-identical lines).

    from npsight.spark import tag_dataframe
    tagged = tag_dataframe(df, comment="comment", id="response_id", score="nps_score")
    tagged.select("id", "sentiment", "themes").show()

The output lines hold the comment masked (unless ``keep_pii=True``) and the tags; join them back
to your data on ``id`` or ``row``. Statistics, reports and coaching packs are not computed here:
run ``npsight analyze`` on the export for those (``plan``/``merge`` for sharded statistics are
not built yet).
"""

from ._pipe import PRIOR_ROWS, _flags, measure_prior, tag_records

__all__ = ["tag_rdd", "tag_dataframe", "measure_prior", "tag_records"]


def tag_rdd(rdd, binary=None, language=None, keep_pii=False, encoder=None, batch=None):
    """Tag an RDD of record dicts (``comment``, optional ``score`` and ``id``): an RDD of
    tagged JSON lines, one per record, with ``row`` the record's position from 1 in the RDD's
    order. Unless ``language`` is given, the prior is measured once on the driver."""
    numbered = rdd.zipWithIndex().map(lambda x: dict(x[0], row=x[1] + 1))
    prior = None
    if not language:
        # The prior is measured on the first 500 readable records; a few more are sent so
        # that rejected records among the first do not shorten the sample.
        prior = measure_prior(numbered.take(4 * PRIOR_ROWS), binary) or ""
    flags = _flags(language, prior, keep_pii, encoder, batch)
    return numbered.mapPartitions(lambda part: tag_records(part, binary, flags))


def tag_dataframe(df, comment="comment", id=None, score=None, **kwargs):
    """Tag a DataFrame's ``comment`` column (with ``id`` and ``score`` columns when named): a
    DataFrame of the tagged lines' fields (schema read from the lines)."""

    def record(row):
        r = {"comment": row[comment]}
        if id is not None:
            r["id"] = None if row[id] is None else str(row[id])
        if score is not None:
            s = row[score]
            r["score"] = None if s is None else (s if isinstance(s, int) else str(s))
        return r

    lines = tag_rdd(df.rdd.map(record), **kwargs)
    return df.sparkSession.read.json(lines)
