"""Build and install Tongdai.

The ACD core in ext/ is plain Python that Cython compiles (with ext/core.pxd
adding C types); where no compiler exists the same file runs interpreted.
The SIP hot path (the sans-I/O SIP core and the edge's per-message modules)
is compiled the same way, a few modules with an augmenting .pxd that makes
the objects built for every message extension types: about 1.8x the
registrations per second of the interpreted code on the same core
(bench/sip_register.py; bench/sip_core.py measures the edge alone).
"""

import os

from setuptools import find_packages, setup

ext_modules = []
if os.environ.get("TONGDAI_PURE_PYTHON") != "1":
    from Cython.Build import cythonize
    from setuptools import Extension

    hot_path = [
        f"tongdai.{name}"
        for name in (
            "sip.grammar", "sip.uri", "sip.headers", "sip.message", "sip.fields",
            "sip.validate", "sip.digest", "sip.transaction",
            "edge.guard", "edge.location", "edge.registrar", "edge.core",
        )
    ]  # fmt: skip
    # Cython finds a module's .pxd by the module's dotted name; ext/ is not laid out as
    # tongdai/acdcore/, so the ACD core's .pxd is linked under that name for it.
    pxd_dir = os.path.join("build", "pxd")
    os.makedirs(os.path.join(pxd_dir, "tongdai", "acdcore"), exist_ok=True)
    link = os.path.join(pxd_dir, "tongdai", "acdcore", "core.pxd")
    if not os.path.islink(link):
        os.symlink(os.path.abspath(os.path.join("ext", "core.pxd")), link)
    ext_modules = cythonize(
        [Extension("tongdai.acdcore.core", ["ext/core.py"])]
        + [Extension(m, ["firmware/" + m.replace(".", "/") + ".py"]) for m in hot_path]
        # Batched UDP system calls: C only, edge.transport does without it.
        + [Extension("tongdai.edge.udpio", ["firmware/tongdai/edge/udpio.pyx"])],
        compiler_directives={"language_level": "3"},
        include_path=[pxd_dir],
        nthreads=os.cpu_count() or 1,
        quiet=True,
    )

setup(
    name="tongdai",
    version="0.1.0",
    description="Tongdai: PBX and hotline appliance firmware for small businesses",
    license="GPL-2.0-or-later",
    license_files=["LICENSE"],
    python_requires=">=3.11",
    package_dir={"": "firmware", "tongdai.acdcore": "ext"},
    packages=[*find_packages("firmware"), "tongdai.acdcore"],
    package_data={
        "tongdai.acdcore": ["*.pxd"],
        "tongdai.provisioning": ["templates/*.j2"],
        "tongdai.console": ["templates/*.html", "locale/*.po"],
    },
    ext_modules=ext_modules,
    install_requires=[
        "argon2-cffi>=23",
        "babel>=2.14",  # the console's catalogues, dates and numbers per locale
        "cryptography>=41",
        "fastapi>=0.110",
        "jinja2>=3.1",
        "jinja2-fragments>=1.3",  # a template's block as an htmx partial
        "prometheus-client>=0.20",
        "psutil>=5.9",  # the dashboard's CPU, memory, disk and uptime
        "python-multipart>=0.0.9",  # form posts
        "pyserial>=3.5",
        "segno>=1.6",  # QR codes of an extension's SIP details (pure Python, SVG)
        "sqlite-utils>=3.36",
        "sse-starlette>=3.5",  # the live wallboard's server-sent events
        "tomlkit>=0.13",  # the console writes tongdai.toml, keeping its comments
        "uvicorn>=0.30",
        "uvloop>=0.19",
    ],
    extras_require={
        "test": [
            "httpx",
            "hypothesis",
            "lxml",  # the RFC 4235 schema check of BLF NOTIFY bodies
            "playwright",  # console tests in Debian's chromium (never `playwright install`)
            "pytest",
            "pytest-timeout",
            "ruff",
        ],
        "bench": ["simpy"],
    },
    entry_points={"console_scripts": ["tongdai = tongdai.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Communications :: Telephony",
    ],
)
