"""The Streamlit hub: a home page with a card per app, then each app's own page.

    refapps demo                          # or: streamlit run apps/streamlit_app.py

Pages are found from the folders (`apps/<app>/demo.py`), so a copied app appears here
without an edit. Each page caches its model with `st.cache_resource`, so a model loads once
per server process, not on every page switch.
"""

from __future__ import annotations

import streamlit as st

from apps.hub import APPS_DIR, describe, discover_pages, home

names = discover_pages()
titles = [describe(APPS_DIR / name)[0] for name in names]
pages = [st.Page(home, title="Home", icon=":material/home:", url_path="home", default=True)]
for name, title in zip(names, titles, strict=True):
    label = title if titles.count(title) == 1 else f"{title} ({name})"  # a copy keeps the title
    pages.append(st.Page(APPS_DIR / name / "demo.py", title=label, url_path=name))
st.navigation(pages).run()
