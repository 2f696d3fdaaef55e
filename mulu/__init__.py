"""mulu (目录链 ledger): top-level package holding the project's root error and the CLI.

The library layers are the sibling packages ``sm_crypto``, ``catalog``, ``chain_client`` and
``api``; this package only defines what they share (:mod:`mulu.errors`) and the ``mulu`` CLI.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
