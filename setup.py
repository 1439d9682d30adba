"""What pyproject.toml cannot say: the installed package carries schema/ as generator/data/.

schema/ is the one source of the card schema and the catalogs. An installed
package has no repository, so the build maps the package ``generator.data``
onto the folder ``schema/`` (setuptools ``package_dir``): the wheel gets a copy
made at build time, and nothing is committed twice. A checkout, and so an
editable install, reads schema/ itself (generator/schema_files.py).
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=find_namespace_packages(include=["generator", "generator.*"], exclude=["*__pycache__*"])
    + ["generator.data"],
    package_dir={"generator.data": "schema"},
    package_data={"generator": ["templates/**/*"], "generator.data": ["*.json", "*.yaml"]},
)
