"""npsight on engines you already run.

``npsight.spark`` tags a Spark RDD or DataFrame of survey comments on the executors with the
``npsight tag`` binary (the same tags as ``npsight analyze``). The binary, the model
(``scripts/fetch-models``) and the ONNX Runtime library must be installed on every executor as
on one machine; point ``NPSIGHT_BIN`` (or the ``binary`` argument) at the binary and
``NPSIGHT_HOME`` at the checkout holding ``models/``.
"""

__all__ = ["spark"]
