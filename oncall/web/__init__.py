"""The read-only web pages of ``oncall serve`` (docs/web.md).

data.py      what each page and API route shows, built by the functions the CLI commands use
pages.py     the routes: a request path to a ``Reply`` (HTML through Jinja2, or JSON)
templates/   the pages, autoescaped
static/      the one stylesheet
"""
