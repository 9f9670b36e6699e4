"""A reproducible study of the open-source MLOps ecosystem on GitHub.

Data flows one way: snapshot (raw API responses) -> `analysis build` -> tidy tables
-> analysis functions -> plots and tables -> notebooks -> Quarto documents.
"""

from analysis import captions

captions.register()
