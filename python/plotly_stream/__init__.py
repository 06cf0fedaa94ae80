"""Write to a plotly-stream relay from Python, with nothing but the standard library.

Mirrors Plotly's old ``plotly.plotly.Stream``::

    from plotly_stream import Stream, figure_html

    stream = Stream('ab3dk4FBDd', 'http://127.0.0.1:8080')
    stream.open()
    stream.write({'x': 1, 'y': 2})          # numbers append, lists overwrite
    stream.write({'y': 3}, layout={'title': {'text': 'live'}})
    stream.heartbeat()                       # a newline: keeps a quiet stream open
    summary = stream.close()                 # {'accepted': 2, 'rejected': 0, ...}

In a notebook, show a chart of the stream with ``IPython.display.HTML(figure_html(figure, url))``.

Or let the relay keep the chart and give it a link anyone can open::

    from plotly_stream import plot

    chart = plot({'data': [{'y': [], 'stream': {'token': 'ab3dk4FBDd'}}]}, 'http://127.0.0.1:8080')
    chart.url                                  # share it; chart.embed_url for an iframe
    chart                                      # in a notebook: the live chart, as an iframe
    chart.update(layout={'title': {'text': 'new'}})   # every viewer sees it at once
"""

import datetime
import http.client
import json
import random
import select
import time
import urllib.parse

__all__ = ['Stream', 'StreamError', 'figure_html', 'display', 'plot', 'Chart', 'ChartError']
__version__ = '0.1.0'


class StreamError(Exception):
    """The relay refused the stream or ended it (its status and summary are attached)."""

    def __init__(self, message, status=None, summary=None):
        super().__init__(message)
        self.status = status
        self.summary = summary


def _default(value):
    # Dates (pandas Timestamps are datetimes) become ISO strings, which Plotly reads; numpy arrays
    # and scalars become lists and numbers; neither library is imported.
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if hasattr(value, 'isoformat') and hasattr(value, 'to_pydatetime'):
        return value.isoformat()
    if hasattr(value, 'tolist'):
        return value.tolist()
    raise TypeError(f'{type(value).__name__} is not JSON serializable')


def _line(data, layout=None):
    # A pandas Series (a DataFrame row: df.iloc[i]) is a message of its index -> values.
    if not isinstance(data, dict) and hasattr(data, 'to_dict') and hasattr(data, 'index'):
        data = data.to_dict()
    if not isinstance(data, dict):
        raise TypeError(f'a message must be a dict, got {type(data).__name__}')
    if layout is not None:
        if not isinstance(layout, dict):
            raise TypeError(f'layout must be a dict, got {type(layout).__name__}')
        data = dict(data, layout=layout)
    return json.dumps(data, default=_default, separators=(',', ':'), allow_nan=False).encode('utf-8') + b'\n'


class Stream:
    """One token's stream to a relay: a chunked HTTP POST kept open, one JSON line per write."""

    def __init__(self, token, url='http://127.0.0.1:8080', key=None, timeout=30, retries=6):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ('http', 'https') or not parsed.hostname:
            raise ValueError(f'url must be http(s)://host[:port], got {url!r}')
        self.token = token
        self.url = url
        self.key = key
        self.timeout = timeout
        # Connects that fail (the relay restarting) are tried again this many times, after random
        # waits of up to 0.5, 1, 2, ... s (full jitter, at most 30 s), before the error is raised.
        self.retries = retries
        self._parsed = parsed
        self._conn = None

    # -- lifecycle --------------------------------------------------------------------------------
    def open(self):
        """Opens the POST (with backoff while the relay cannot be reached). ``write`` opens it too when needed."""
        if self._conn is not None:
            return self
        for attempt in range(self.retries + 1):
            try:
                return self._connect()
            except OSError:
                if attempt == self.retries:
                    raise
                time.sleep(random.uniform(0, min(30.0, 0.5 * 2 ** attempt)))
        return self

    def _connect(self):
        cls = http.client.HTTPSConnection if self._parsed.scheme == 'https' else http.client.HTTPConnection
        conn = cls(self._parsed.hostname, self._parsed.port, timeout=self.timeout)
        conn.putrequest('POST', self._parsed.path or '/', skip_accept_encoding=True)
        conn.putheader('plotly-streamtoken', self.token)
        conn.putheader('Transfer-Encoding', 'chunked')
        conn.putheader('Content-Type', 'application/x-ndjson')
        if self.key is not None:
            conn.putheader('plotly-streamkey', self.key)
        conn.endheaders()
        self._conn = conn
        return self

    def write(self, data, layout=None):
        """Sends one message: ``{'x': 1, 'y': 2}`` appends a point, ``{'y': [1, 2, 3]}`` replaces."""
        self._send(_line(data, layout))

    def heartbeat(self):
        """Sends a bare newline: the relay closes a stream silent for 60 s."""
        self._send(b'\n')

    def close(self):
        """Ends the stream and returns the relay's summary (accepted, rejected, first errors)."""
        if self._conn is None:
            return None
        conn, self._conn = self._conn, None
        try:
            if self._answered(conn):
                # The relay already ended the stream (idle, taken over): its answer is the summary.
                return self._answer(conn, expect_ok=False)
            conn.send(b'0\r\n\r\n')
            return self._answer(conn, expect_ok=True)
        finally:
            conn.close()

    def __enter__(self):
        return self.open()

    def __exit__(self, *exc):
        self.close()

    # -- internals ------------------------------------------------------------------------------
    @staticmethod
    def _answered(conn):
        # The relay only speaks before the end of the body when it ends the stream itself.
        sock = conn.sock
        return sock is not None and bool(select.select([sock], [], [], 0)[0])

    def _restart(self):
        # The relay ended the stream (idle, another writer took the token, a restart): say why if it
        # refused us for good, else open a new stream, as Plotly's client did.
        conn, self._conn = self._conn, None
        try:
            self._answer(conn, expect_ok=False)
        finally:
            conn.close()
        self.open()

    def _send(self, payload):
        chunk = f'{len(payload):x}\r\n'.encode('ascii') + payload + b'\r\n'
        self.open()
        if self._answered(self._conn):
            self._restart()
        try:
            self._conn.send(chunk)
        except OSError:
            self._restart()
            self._conn.send(chunk)

    def _answer(self, conn, expect_ok):
        try:
            response = conn.getresponse()
            body = response.read().decode('utf-8', 'replace')
        except (OSError, http.client.HTTPException):
            if expect_ok:
                raise
            return None
        try:
            summary = json.loads(body)
        except ValueError:
            summary = None
        if response.status in (400, 401, 406, 429) or (expect_ok and response.status != 200):
            reason = (summary or {}).get('closed') if isinstance(summary, dict) else None
            raise StreamError(f'the relay answered {response.status}: {reason or body.strip()}', response.status, summary)
        return summary


def figure_html(figure, url='http://127.0.0.1:8080', height=400, transport=None):
    """HTML for a live chart: the relay's script and a ``<plotly-stream>`` with the figure in it."""
    if not isinstance(figure, dict):
        raise TypeError('figure must be a dict {data, layout, config}')
    base = url.rstrip('/')
    # '</' inside the JSON would end the script element early.
    data = json.dumps(figure, default=_default).replace('</', '<\\/')
    attrs = f' transport="{transport}"' if transport else ''
    return (
        f'<script src="{base}/plotly-stream.js"></script>\n'
        f'<plotly-stream src="{base}"{attrs} style="display:block;height:{int(height)}px">\n'
        f'<script type="application/json">{data}</script>\n'
        f'</plotly-stream>'
    )


def display(figure, url='http://127.0.0.1:8080', height=400):
    """Shows the live chart in a Jupyter output cell."""
    from IPython.display import HTML, display as show  # only needed in a notebook

    show(HTML(figure_html(figure, url, height)))


class ChartError(Exception):
    """The relay refused a chart call: its status, error code and reason are attached."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status = status
        self.code = code


def _call(url, method, key=None, body=None, timeout=30, context=None):
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == 'https':
        conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=timeout, context=context)
    else:
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=timeout)
    headers = {}
    payload = None
    if body is not None:
        payload = json.dumps(body, default=_default, allow_nan=False).encode('utf-8')
        headers['Content-Type'] = 'application/json'
    if key is not None:
        headers['Authorization'] = f'Bearer {key}'
    path = parsed.path + (f'?{parsed.query}' if parsed.query else '')
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        text = response.read().decode('utf-8', 'replace')
    finally:
        conn.close()
    try:
        answer = json.loads(text) if text else {}
    except ValueError:
        raise ChartError(f'the relay answered {response.status}: {text.strip()[:200]}', response.status) from None
    if response.status >= 400:
        reason = answer.get('reason', text.strip()) if isinstance(answer, dict) else text.strip()
        code = answer.get('error') if isinstance(answer, dict) else None
        raise ChartError(f'the relay answered {response.status} ({code}): {reason}', response.status, code)
    return answer


class Chart:
    """A chart the relay keeps: ``url`` to share, ``embed_url`` for an iframe, ``update()``, ``delete()``.

    In a notebook a ``Chart`` shows itself as an iframe of its embed URL: no script to load, so it
    works the same in classic Notebook, JupyterLab, VS Code and Colab.
    """

    def __init__(self, relay, made, context=None, height=450):
        self.relay = relay.rstrip('/')
        self.id = made['id']
        self.url = made['url']
        self.embed_url = made['embedUrl']
        self.edit_key = made['editKey']
        self.share_key = made.get('shareKey')
        self.height = height
        self._context = context

    def _api(self):
        return f'{self.relay}/api/charts/{self.id}'

    def update(self, layout=None, config=None, data=None, figure=None, world_readable=None):
        """Edits the chart (``layout``/``config`` merged, None values remove keys; ``data``: trace styles
        by index; ``figure``: a new one); returns its new revision. Its viewers see it at once."""
        edit = {}
        for name, value in (('layout', layout), ('config', config), ('data', data), ('figure', figure)):
            if value is not None:
                edit[name] = value
        if world_readable is not None:
            edit['worldReadable'] = bool(world_readable)
        answer = _call(self._api(), 'PATCH', self.edit_key, edit, context=self._context)
        if answer.get('url'):
            self.url, self.embed_url = answer['url'], answer['embedUrl']
        self.share_key = answer.get('shareKey')
        return answer['revision']

    def figure(self):
        """The figure as stored (with its stream tokens: the edit key reads it whole)."""
        return _call(self._api(), 'GET', self.edit_key, context=self._context)['figure']

    def delete(self):
        _call(self._api(), 'DELETE', self.edit_key, context=self._context)

    def embed_html(self, height=None):
        """An iframe of the chart's embed URL."""
        import html

        h = int(height if height is not None else self.height)
        return (
            f'<iframe src="{html.escape(self.embed_url, quote=True)}" width="100%" height="{h}" '
            f'style="border:none" title="{html.escape(self.url, quote=True)}"></iframe>'
        )

    def _repr_html_(self):
        return self.embed_html()

    def __repr__(self):
        return f'Chart({self.url!r})'


def plot(figure, relay='http://127.0.0.1:8080', key=None, world_readable=True, height=450, context=None):
    """Makes a chart the relay keeps (``POST /api/charts``) and returns it as a :class:`Chart`.

    ``figure`` is a Plotly figure dict whose streamed traces name their tokens in ``stream.token``;
    ``key`` a write key (needed on a relay with keys); ``world_readable=False`` a private chart whose
    links carry its share key; ``context`` an ``ssl.SSLContext`` for a relay with its own certificate.
    """
    if not isinstance(figure, dict):
        if hasattr(figure, 'to_plotly_json'):
            figure = figure.to_plotly_json()  # a plotly.graph_objects.Figure
        else:
            raise TypeError('figure must be a dict {data, layout, config}')
    body = dict(figure, worldReadable=bool(world_readable))
    made = _call(relay.rstrip('/') + '/api/charts', 'POST', key, body, context=context)
    return Chart(relay, made, context=context, height=height)
