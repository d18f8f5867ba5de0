"""The model store, in one place: where the MLflow store is and whether it is usable
(``location``), model names and aliases (``names``), experiments, runs, the store lock and
logging a bundle (``tracking``), loading a model by URI or bundle file (``loading``), and
registration, the champion gate and bundle export (``registry``).

It sits in ``scoring`` because loading serves every layer above; the logged pyfunc classes stay
in ``scoring.pyfunc``, where runs logged so far pickled them.
"""
