/* vidorigin demo page: the upload form (make run only).
 *
 * Asks nginx for a signed tus creation URL (POST /demo/upload, which
 * make run's nginx answers for loopback clients only by calling
 * POST /admin/uploads with the admin secret it holds), sends the file
 * with tus-js-client (resumable: a cut-off upload goes on from the
 * offset the server reports), then asks the playback API until the
 * video plays and links to it.
 *
 * window.vo.upload: {state, id, progress, error} for the end-to-end tests;
 * state is one of idle, creating, uploading, processing, ready, failed.
 */
(function () {
    'use strict';

    var $ = function (x) { return document.getElementById(x); };
    var form = $('upload-form');
    if (!form || !window.tus) return;

    var st = { state: 'idle', id: null, progress: 0, error: null };
    (window.vo = window.vo || {}).upload = st;

    function show(state, text) {
        st.state = state;
        $('up-state').textContent = text;
        $('upload-box').className = 'up-' + state;
    }

    function fail(text) {
        st.error = text;
        show('failed', 'failed: ' + text);
        $('up-go').disabled = false;
    }

    /* the playback API until the video is playable (ready flag) */
    function poll(id, tries) {
        fetch('/api/v1/videos/' + encodeURIComponent(id),
              { cache: 'no-store' }).then(function (r) {
            return r.ok ? r.json() : null;
        }).then(function (a) {
            if (a && a.status === 'failed') {
                fail(a.error || 'processing failed');
                return;
            }
            if (a && a.ready) {
                show('ready', 'ready: ');
                var l = document.createElement('a');
                l.href = '?id=' + encodeURIComponent(id);
                l.textContent = 'play ' + id;
                $('up-state').appendChild(l);
                $('up-go').disabled = false;
                return;
            }
            var p = a && typeof a.progress === 'number'
                    ? ' ' + Math.round(a.progress * 100) + '%' : '';
            show('processing', 'processing' + p);
            if (tries > 0) {
                setTimeout(function () { poll(id, tries - 1); }, 1000);
            } else {
                fail('not playable after 10 minutes');
            }
        }).catch(function (e) {
            fail('playback API: ' + e);
        });
    }

    form.addEventListener('submit', function (ev) {
        ev.preventDefault();
        var file = $('up-file').files[0];
        if (!file) return;
        $('up-go').disabled = true;
        st.error = null;
        st.progress = 0;
        $('up-bar').value = 0;
        show('creating', 'asking for an upload URL');

        var title = $('up-title').value || file.name;
        fetch('/demo/upload', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ title: title })
        }).then(function (r) {
            if (!r.ok) throw new Error('POST /demo/upload: ' + r.status);
            return r.json();
        }).then(function (c) {
            st.id = c.id;
            show('uploading', 'uploading ' + c.id);
            var up = new tus.Upload(file, {
                endpoint: c.upload_url,
                chunkSize: 8 * 1024 * 1024,
                retryDelays: [0, 1000, 3000, 5000],
                metadata: { filename: file.name, filetype: file.type },
                onProgress: function (sent, total) {
                    st.progress = total ? sent / total : 0;
                    $('up-bar').value = st.progress;
                    show('uploading', 'uploading ' + c.id + ' ' +
                         Math.round(st.progress * 100) + '%');
                },
                onError: function (e) { fail(String(e.message || e)); },
                onSuccess: function () { poll(c.id, 600); }
            });
            up.start();
        }).catch(function (e) {
            fail(String(e.message || e));
        });
    });
})();
