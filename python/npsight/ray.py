"""Tag survey comments on Ray Data with ``npsight tag`` (see README, "npsight tag").

``tag_dataset(ds)`` maps the dataset's batches through :class:`Tagger`, a callable class that
pipes each batch through one ``npsight tag - -q`` process on its worker, with the language prior
measured once on the driver (``npsight tag --measure-prior`` on the first records) and given to
every batch (``--prior``). The result is a dataset with one column, ``line``: the tagged JSON
line of each record, in ``tagged.jsonl``'s format.

Ray Data has no global row numbers: give each record a ``row`` (a whole number from 1, for
example the line of the export, or ``npsight plan``'s numbering once it exists) and the lines
carry it, so that they equal one ``npsight tag`` run's byte for byte (tested in
``scripts/test-spark`` when ``NPSIGHT_TEST_RAY=1``). Without ``row``, each batch numbers its
records from 1.

    import ray
    from npsight.ray import tag_dataset
    ds = ray.data.read_json("s3://bucket/nps/")          # comment, score, id, row
    tag_dataset(ds, concurrency=8).write_json("s3://bucket/nps-tagged/")

GPU: with the torch build, ``tag_dataset(ds, encoder="torch", num_gpus=1)`` asks Ray for one GPU
per worker and passes ``--device cuda``.
"""

from ._pipe import PRIOR_ROWS, _flags, measure_prior, tag_records

__all__ = ["Tagger", "tag_dataset"]

FIELDS = ("row", "id", "score", "comment", "text")


def _clean(v):
    """A batch value as JSON: numpy scalars to Python, NaN (a missing cell) to None."""
    if v is None:
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


class Tagger:
    """For ``Dataset.map_batches``: tags a batch (``batch_format="pandas"``) with one
    ``npsight tag`` process and returns its lines in the ``line`` column."""

    def __init__(self, binary=None, flags=()):
        self.binary = binary
        self.flags = list(flags)

    def __call__(self, batch):
        cols = [c for c in FIELDS if c in batch.columns]
        records = (
            {c: _clean(v) for c, v in zip(cols, values)}
            for values in zip(*(batch[c].tolist() for c in cols))
        )
        lines = list(tag_records(records, self.binary, self.flags))
        import pandas as pd

        return pd.DataFrame({"line": lines})


def tag_dataset(ds, binary=None, language=None, keep_pii=False, encoder=None, batch=None,
                batch_size=1024, concurrency=2, num_gpus=None):
    """Tag a Ray dataset of records (``comment`` or ``text``, optional ``score``, ``id`` and
    ``row``): a dataset of tagged lines (column ``line``)."""
    prior = None
    if not language:
        prior = measure_prior(ds.take(4 * PRIOR_ROWS), binary) or ""
    flags = _flags(language, prior, keep_pii, encoder, batch)
    if num_gpus:
        flags += ["--device", "cuda"]
    kwargs = {"num_gpus": num_gpus} if num_gpus else {}
    return ds.map_batches(
        Tagger,
        fn_constructor_kwargs={"binary": binary, "flags": flags},
        batch_format="pandas",
        batch_size=batch_size,
        concurrency=concurrency,
        **kwargs,
    )
