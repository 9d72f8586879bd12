"""The packages an exported analysis needs, read from the imports in its code.

Only names the code imports are listed, unpinned (the sandbox's versions are not known);
the standard library and modules the analysis wrote itself are left out, and import
names that differ from their package's name are mapped.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable

# Import name → the package that provides it, where the two differ.
PACKAGE_OF = {
    "sklearn": "scikit-learn",
    "PIL": "pillow",
    "cv2": "opencv-python",
    "yaml": "PyYAML",
    "bs4": "beautifulsoup4",
    "skimage": "scikit-image",
    "dateutil": "python-dateutil",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "fitz": "PyMuPDF",
    "Bio": "biopython",
    "mpl_toolkits": "matplotlib",
    "google": "protobuf",
    "attr": "attrs",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "Crypto": "pycryptodome",
    "serial": "pyserial",
    "magic": "python-magic",
    "sqlalchemy": "SQLAlchemy",
}
_IMPORT_LINE = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w]*)|import\s+([A-Za-z_][\w]*))", re.M)


def imported_modules(code: str) -> set[str]:
    """Top-level module names the code imports (by a regex if it does not parse)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return {a or b for a, b in _IMPORT_LINE.findall(code)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def requirements(sources: Iterable[str], own_modules: Iterable[str] = ()) -> list[str]:
    """Package names, sorted, one per line of a requirements.txt."""
    own = set(own_modules)
    modules: set[str] = set()
    for code in sources:
        modules |= imported_modules(code)
    wanted = {
        PACKAGE_OF.get(name, name)
        for name in modules
        if name not in sys.stdlib_module_names and name not in own and not name.startswith("_")
    }
    return sorted(wanted, key=str.lower)
