"""Tests of plotly_stream against the real relay (started from this repository with Node)."""

import datetime
import json
import os
import re
import subprocess
import threading
import unittest
import urllib.error
import urllib.request

import plotly_stream
from plotly_stream import Stream, StreamError, figure_html

# The repository (the relay is started from it): next to this file, or PLOTLY_STREAM_ROOT when the
# tests run from a copy against the installed package.
ROOT = os.environ.get('PLOTLY_STREAM_ROOT') or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_relay(*args, env=None):
    process = subprocess.Popen(
        ['node', '--import', 'tsx', 'src/relay/cli.ts', '--port', '0', *args],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
    )
    for line in process.stderr:
        match = re.search(r'listening on (http://\S+)', line)
        if match:
            # Keep draining stderr so the relay never blocks on a full pipe.
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, match.group(1)
    raise RuntimeError('the relay did not start')


def stop_relay(process):
    process.terminate()
    process.wait(10)
    process.stderr.close()


def read_messages(url, token, count, timeout=10):
    """Subscribes over SSE and returns the first `count` messages of `token` (history included)."""
    request = urllib.request.Request(f'{url}/subscribe?token={token}', headers={'Accept': 'text/event-stream'})
    messages = []
    with urllib.request.urlopen(request, timeout=timeout) as response:
        for raw in response:
            line = raw.decode('utf-8').rstrip('\n')
            if not line.startswith('data: '):
                continue
            events = json.loads(line[6:])
            for event in events if isinstance(events, list) else [events]:
                if event['type'] == 'data':
                    messages.append(event['message'])
            if len(messages) >= count:
                return messages
    return messages


class StreamTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.relay, cls.url = start_relay('--idle-timeout', '2')

    @classmethod
    def tearDownClass(cls):
        stop_relay(cls.relay)

    def test_write_heartbeat_close_like_plotlys_stream(self):
        stream = Stream('py-basic', self.url)
        stream.open()
        stream.write({'x': 1, 'y': 2})
        stream.heartbeat()
        stream.write({'y': 3}, layout={'title': {'text': 'live'}})
        summary = stream.close()
        self.assertEqual(summary['accepted'], 2)
        self.assertEqual(summary['heartbeats'], 1)
        self.assertEqual(summary['rejected'], 0)
        self.assertEqual(read_messages(self.url, 'py-basic', 2), [{'x': 1, 'y': 2}, {'y': 3, 'layout': {'title': {'text': 'live'}}}])

    def test_context_manager_and_types(self):
        when = datetime.datetime(2026, 11, 24, 12, 0, 0)
        with Stream('py-types', self.url) as stream:
            stream.write({'x': when, 'y': [1, 2], 'text': 'a'})
        self.assertEqual(read_messages(self.url, 'py-types', 1), [{'x': '2026-11-24T12:00:00', 'y': [1, 2], 'text': 'a'}])

    def test_bad_messages_fail_before_sending(self):
        stream = Stream('py-bad', self.url)
        with self.assertRaises(TypeError):
            stream.write([1, 2])
        with self.assertRaises(TypeError):
            stream.write({'y': object()})
        with self.assertRaises(ValueError):
            stream.write({'y': float('nan')})
        self.assertIsNone(stream.close())  # nothing was opened

    def test_reopens_after_the_relay_closed_an_idle_stream(self):
        stream = Stream('py-idle', self.url)
        stream.write({'y': 1})
        # The relay (idle limit 2 s here) answers 408 and closes; the next write reopens.
        threading.Event().wait(2.5)
        stream.write({'y': 2})
        self.assertEqual(stream.close()['accepted'], 1)
        self.assertEqual(read_messages(self.url, 'py-idle', 2), [{'y': 1}, {'y': 2}])

    def test_a_write_while_the_relay_restarts_waits_for_it_with_backoff(self):
        process, url = start_relay('--idle-timeout', '2')
        port = url.rsplit(':', 1)[1]
        stream = Stream('py-restart', url)
        stream.write({'y': 1})
        stop_relay(process)
        restarted = []
        timer = threading.Timer(1.0, lambda: restarted.append(start_relay('--port', port)))
        timer.start()
        try:
            stream.write({'y': 2})  # the relay is down: connects are tried again until it is back
            self.assertEqual(stream.close()['accepted'], 1)
            timer.join()
            self.assertEqual(read_messages(restarted[0][1], 'py-restart', 1), [{'y': 2}])
        finally:
            timer.join()
            if restarted:
                stop_relay(restarted[0][0])

    def test_gives_up_after_its_retries_when_no_relay_answers(self):
        stream = Stream('py-nobody', 'http://127.0.0.1:9', retries=2)
        with self.assertRaises(OSError):
            stream.write({'y': 1})

    def test_close_after_the_relay_ended_the_stream_returns_its_summary(self):
        stream = Stream('py-ended', self.url)
        stream.write({'y': 1})
        threading.Event().wait(2.5)
        summary = stream.close()
        self.assertEqual(summary['accepted'], 1)
        self.assertIn('no byte for', summary['closed'])

    def test_a_second_writer_takes_the_token_and_the_first_one_comes_back(self):
        first = Stream('py-dup', self.url)
        second = Stream('py-dup', self.url)
        first.write({'y': 1})
        read_messages(self.url, 'py-dup', 1)
        second.write({'y': 2})
        read_messages(self.url, 'py-dup', 2)
        first.write({'y': 3})  # its stream got 409: it opens a new one (and takes the token back)
        first.close()
        second.close()
        self.assertEqual([m['y'] for m in read_messages(self.url, 'py-dup', 3)], [1, 2, 3])

    def test_rejects_a_bad_url(self):
        with self.assertRaises(ValueError):
            Stream('t', 'ftp://example')


class KeysTest(unittest.TestCase):
    def test_write_keys(self):
        relay, url = start_relay(env=dict(os.environ, PLOTLY_STREAM_KEYS='py-key=s3cret'))
        try:
            with self.assertRaises(StreamError) as refused:
                _write_and_close(Stream('py-key', url))
            self.assertEqual(refused.exception.status, 401)
            summary = _write_and_close(Stream('py-key', url, key='s3cret'))
            self.assertEqual(summary['accepted'], 1)
        finally:
            stop_relay(relay)


class ChartTest(unittest.TestCase):
    """plot() and Chart against the real relay: a chart made, streamed to, edited, shown, deleted."""

    @classmethod
    def setUpClass(cls):
        cls.relay, cls.url = start_relay()

    @classmethod
    def tearDownClass(cls):
        stop_relay(cls.relay)

    def test_plot_stream_update_delete(self):
        chart = plotly_stream.plot(
            {'data': [{'y': [], 'stream': {'token': 'py-chart', 'maxpoints': 20}}], 'layout': {'title': {'text': 'Kiln'}}},
            self.url,
        )
        self.assertEqual(chart.url, f'{self.url}/charts/{chart.id}')
        self.assertEqual(chart.embed_url, f'{chart.url}/embed')
        self.assertIsNone(chart.share_key)
        with urllib.request.urlopen(chart.url, timeout=10) as page:
            body = page.read().decode('utf-8')
        self.assertIn('Kiln', body)
        self.assertNotIn('py-chart', body, 'the page holds no stream token')
        _write_and_close(Stream('py-chart', self.url))
        self.assertEqual(read_messages(self.url, 'py-chart', 1), [{'y': 1}])
        self.assertEqual(chart.update(layout={'title': {'text': 'Kiln 2'}}), 2)
        self.assertEqual(chart.figure()['layout'], {'title': {'text': 'Kiln 2'}})
        chart.delete()
        with self.assertRaises(urllib.error.HTTPError) as gone:
            urllib.request.urlopen(chart.url, timeout=10)
        self.assertEqual(gone.exception.code, 404)

    def test_shows_itself_as_an_iframe_of_its_embed_url(self):
        chart = plotly_stream.plot({'data': []}, self.url, height=300)
        html = chart._repr_html_()
        self.assertEqual(
            html,
            f'<iframe src="{chart.embed_url}" width="100%" height="300" style="border:none" title="{chart.url}"></iframe>',
        )
        self.assertEqual(repr(chart), f'Chart({chart.url!r})')

    def test_private_charts_and_refusals(self):
        chart = plotly_stream.plot({'data': []}, self.url, world_readable=False)
        self.assertRegex(chart.url, r'\?share_key=[\w-]+$')
        self.assertIn('share_key=', chart._repr_html_())
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(chart.url.split('?')[0], timeout=10)
        self.assertEqual(refused.exception.code, 403)
        chart.update(world_readable=True)
        self.assertIsNone(chart.share_key)
        self.assertNotIn('share_key', chart.url)
        with self.assertRaises(plotly_stream.ChartError) as bad:
            plotly_stream.plot({'data': 'not traces'}, self.url)
        self.assertEqual((bad.exception.status, bad.exception.code), (400, 'bad-figure'))
        with self.assertRaises(TypeError):
            plotly_stream.plot([1, 2], self.url)


def _write_and_close(stream):
    stream.write({'y': 1})
    return stream.close()


class HtmlTest(unittest.TestCase):
    def test_figure_html(self):
        html = figure_html({'data': [{'y': [], 'stream': {'token': 'A'}}], 'layout': {'title': {'text': '</script><b>'}}}, 'http://relay:8080/', height=300)
        self.assertIn('<script src="http://relay:8080/plotly-stream.js"></script>', html)
        self.assertIn('<plotly-stream src="http://relay:8080" style="display:block;height:300px">', html)
        self.assertNotIn('</script><b>', html)
        payload = html.split('<script type="application/json">')[1].split('</script>')[0]
        self.assertEqual(json.loads(payload)['layout']['title']['text'], '</script><b>')

    def test_version(self):
        self.assertRegex(plotly_stream.__version__, r'^\d+\.\d+\.\d+$')

    def test_version_in_step_with_the_npm_package_and_pyproject(self):
        with open(os.path.join(ROOT, 'package.json'), encoding='utf-8') as f:
            npm = json.load(f)['version']
        with open(os.path.join(ROOT, 'python', 'pyproject.toml'), encoding='utf-8') as f:
            pyproject = re.search(r'^version = "([^"]+)"', f.read(), re.M).group(1)
        self.assertEqual(plotly_stream.__version__, npm)
        self.assertEqual(pyproject, npm)


class ScientificTypesTest(unittest.TestCase):
    """numpy and pandas values are written without importing either (stand-ins where one is absent)."""

    def test_numpy_scalars_and_arrays(self):
        try:
            import numpy
        except ImportError:
            self.skipTest('numpy is not installed')
        line = plotly_stream._line({'x': numpy.int64(3), 'y': numpy.float32(0.5), 'z': numpy.arange(3)})
        self.assertEqual(json.loads(line), {'x': 3, 'y': 0.5, 'z': [0, 1, 2]})

    def test_a_pandas_row_and_timestamp(self):
        class Timestamp(datetime.datetime):  # pandas.Timestamp is a datetime subclass
            def to_pydatetime(self):
                return datetime.datetime(self.year, self.month, self.day, self.hour, self.minute, self.second)

        class Series:  # what df.iloc[i] gives: an index and to_dict()
            index = ['x', 'y']

            def to_dict(self):
                return {'x': Timestamp(2026, 11, 24, 12, 0, 5), 'y': 7}

        self.assertEqual(json.loads(plotly_stream._line(Series())), {'x': '2026-11-24T12:00:05', 'y': 7})
        with self.assertRaises(TypeError):
            plotly_stream._line([1, 2])


if __name__ == '__main__':
    unittest.main()
