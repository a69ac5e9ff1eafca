"""Memory management for batches: a national corpus is millions of live Python objects."""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector while a batch is parsed or built. Every full
    collection walks all live objects, and with millions of them (the parsed documents) that
    was a third of the graph conversion and three quarters of the parse's main-process CPU.
    Whatever cycles a batch makes are collected when the collector resumes, after it."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
