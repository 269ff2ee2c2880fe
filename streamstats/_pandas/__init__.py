"""The pandas front: the ``ewa`` accessor, the online smoother and the keyed
streams behind both, on top of the core (``streamstats._core``)."""
