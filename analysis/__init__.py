"""A reproducible study of the open-source MLOps ecosystem on GitHub.

Data flows one way: snapshot (raw API responses) -> `analysis build` -> tidy tables
-> analysis functions -> plots and tables -> notebooks -> Quarto documents.
"""

import sys

from analysis import captions

# nbformat (and so nbclient and nbconvert) imports jsonschema, whose format checkers import rfc3987_syntax if it is
# installed (Jupyter's jsonschema[format-nongpl] installs it), and that module compiles about 40 Lark grammars on
# import: 2.2 s of CPU in every process that reads a notebook, against 0.3 s without it (measured here). It only
# checks the `iri` formats, which no notebook schema uses. A None entry makes its import fail, and jsonschema then
# goes without that one checker (python-jsonschema/jsonschema#1428). Set only where nothing has imported it yet.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

captions.register()
