"""The optional C parts of the package: ``catalog._canon`` (see catalog/_canon.c) and
``sm_crypto._sm3bulk`` (see sm_crypto/_sm3bulk.c).

Everything else is in pyproject.toml. The extensions are optional: where no C compiler or Python
headers exist, the install goes on without them: ``catalog`` uses its Python tiers instead, and
``sm_crypto`` hashes in a Python loop. ``_sm3bulk`` needs no OpenSSL headers or libraries to
build: it finds OpenSSL's functions at run time in the libcrypto that ``hashlib`` loaded.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "catalog._canon",
            sources=["catalog/_canon.c"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Werror=implicit"],
            optional=True,
        ),
        Extension(
            "sm_crypto._sm3bulk",
            sources=["sm_crypto/_sm3bulk.c"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Werror=implicit"],
            optional=True,
        ),
    ]
)
