"""The optional C part of the package: ``catalog._canon`` (see catalog/_canon.c).

Everything else is in pyproject.toml. The extension is optional: where no C compiler or Python
headers exist, the install goes on without it and ``catalog`` uses its Python tiers instead.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "catalog._canon",
            sources=["catalog/_canon.c"],
            extra_compile_args=["-std=c11", "-Wall", "-Wextra", "-Werror=implicit"],
            optional=True,
        )
    ]
)
