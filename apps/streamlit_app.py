"""The Streamlit hub: a gallery home page, then each app's own page.

    refapps demo                          # or: streamlit run apps/streamlit_app.py

Pages are found from the folders (`apps/<app>/demo.py`), so a copied app appears here
without an edit. Each app has one name everywhere: the title its page shows is also its
sidebar entry, its browser tab and its card. Each page wraps itself in `page_errors` (so
it is guarded when run alone too); the hub's own `page_errors` around it catches what a page
raises outside its boundary, and the home page's errors. Nested, the inner one draws the box:
a broken run or a bug shows one error box that names the fix, never a traceback. Each page
caches its model with `st.cache_resource`: a model loads once per server process.
Settings come from apps/.streamlit/config.toml (next to this script, so they hold whatever
folder the hub is started from), a copy of the project's .streamlit/config.toml.
"""

from __future__ import annotations

import streamlit as st

from apps.hub import APPS_DIR, discover_pages, home, page_title
from common.pages import page_errors

names = discover_pages()
titles = [page_title(APPS_DIR / name) for name in names]
app_pages = []
for name, title in zip(names, titles, strict=True):
    label = title if titles.count(title) == 1 else f"{title} ({name})"  # a copy keeps the title
    app_pages.append(st.Page(APPS_DIR / name / "demo.py", title=label, url_path=name))
home_page = st.Page(home, title="Home", url_path="hub", default=True)
# The home page lives at "/"; "/home" is a hidden second address for it, so a deep link to
# /home opens it instead of Streamlit's "Page not found".
home_alias = st.Page(home, title="Home", url_path="home")
page = st.navigation([home_page, home_alias, *app_pages], position="hidden")
with st.sidebar:
    for link in (home_page, *app_pages):
        st.page_link(link)
with page_errors(page.title):
    page.run()
