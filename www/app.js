/* vidorigin demo page: plays one video with hls.js (native HLS on Safari)
 * or dash.js, with a rendition picker and live player state.
 *
 * Everything the end-to-end tests look at is in window.vo:
 *   vo.kind      'hls' | 'hls-ts' | 'dash'
 *   vo.hls, vo.dash, vo.video   the player objects and the <video> element
 *   vo.levels    [{index, height, width, bitrate, codec}] in the player's
 *                order (codec: hls.js only)
 *   vo.frags     [{level, sn, start, type}] of every loaded media fragment
 *   vo.switches  [{level, t}] every level the player switched to (rendered)
 *   vo.errors    [{fatal, type, details, message}] every player error
 *   vo.setLevel(i)  pick a level (-1: Auto), as the picker does
 *   vo.api       the playback API's answer for the video (null until it
 *                comes, or when the API is not configured)
 *
 * Query parameters: player=hls|hls-ts|dash, id=VIDEO, and level=min|max|N
 * to start on a fixed level with adaptive switching off (Manual mode).
 */
(function () {
    'use strict';

    var params = new URLSearchParams(location.search);
    var kind = params.get('player') || 'hls';
    if (['hls', 'hls-ts', 'dash'].indexOf(kind) < 0) kind = 'hls';
    var id = params.get('id') || 'demo';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id)) id = 'demo';

    var levelParam = params.get('level');   // null, 'min', 'max' or an index
    var base = '/v/' + encodeURIComponent(id) + '/';
    var src = base + (kind === 'dash' ? 'manifest.mpd'
                    : kind === 'hls-ts' ? 'master-ts.m3u8' : 'master.m3u8');

    var video = document.getElementById('video');
    var picker = document.getElementById('rendition');
    var $ = function (x) { return document.getElementById(x); };

    var vo = window.vo = {
        kind: kind, src: src, video: video, hls: null, dash: null,
        native: false, levels: [], frags: [], switches: [], errors: [],
        api: null,
        log: [], setLevel: function () {}
    };

    function logEvent(text) {
        var t = video.currentTime.toFixed(2);
        vo.log.push(t + ' ' + text);
        var li = document.createElement('li');
        li.textContent = '[' + t + ' s] ' + text;
        var ol = $('log');
        ol.insertBefore(li, ol.firstChild);
        while (ol.children.length > 200) ol.removeChild(ol.lastChild);
    }

    function showError(e) {
        vo.errors.push(e);
        $('errors').hidden = false;
        var li = document.createElement('li');
        li.className = e.fatal ? 'fatal' : 'warn';
        li.textContent = (e.fatal ? 'FATAL ' : '') + e.type + ': ' +
            e.details + (e.message ? ' (' + e.message + ')' : '');
        $('error-list').appendChild(li);
        logEvent('error ' + li.textContent);
    }

    function mbps(b) { return (b / 1e6).toFixed(2) + ' Mb/s'; }
    function levelLabel(l) {
        if (!l) return '–';
        return (l.height ? l.height + 'p' : 'level ' + l.index) +
            (l.width ? ' · ' + l.width + '×' + l.height : '') +
            (l.bitrate ? ' · ' + mbps(l.bitrate) : '') +
            (l.codec ? ' · ' + l.codec.split('.')[0] : '');
    }

    // index of the level asked for by ?level=, or -1
    function startLevel(levels) {
        if (levelParam === null || !levels.length) return -1;
        var byRate = levels.slice().sort(function (a, b) { return a.bitrate - b.bitrate; });
        if (levelParam === 'min') return byRate[0].index;
        if (levelParam === 'max') return byRate[byRate.length - 1].index;
        var n = parseInt(levelParam, 10);
        return n >= 0 && n < levels.length ? n : -1;
    }

    function fillPicker(levels) {
        vo.levels = levels;
        picker.innerHTML = '';
        var auto = document.createElement('option');
        auto.value = '-1';
        auto.textContent = 'Auto';
        picker.appendChild(auto);
        // highest first, as a viewer expects
        levels.slice().sort(function (a, b) { return b.bitrate - a.bitrate; })
            .forEach(function (l) {
                var o = document.createElement('option');
                o.value = String(l.index);
                o.textContent = levelLabel(l);
                picker.appendChild(o);
            });
        picker.disabled = levels.length < 2;
    }
    picker.addEventListener('change', function () {
        vo.setLevel(parseInt(picker.value, 10));
    });
    // the picker shows the choice also when vo.setLevel() is called directly
    function showChoice(i) { picker.value = String(i < 0 ? -1 : i); }

    // tabs
    Array.prototype.forEach.call(document.querySelectorAll('#tabs a'), function (a) {
        var p = new URLSearchParams(location.search);
        p.set('player', a.dataset.player);
        a.href = '?' + p.toString();
        if (a.dataset.player === kind) a.className = 'active';
    });
    $('s-src').textContent = src;
    $('s-src').href = src;

    // what the playback API tells this viewer (it counts a view, as the
    // manifest does); the page plays the origin's own URL either way
    fetch('/api/v1/videos/' + encodeURIComponent(id)).then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
    }).then(function (a) {
        vo.api = a;
        $('s-title').textContent = a.title || a.id;
        $('s-place').textContent = a.placement + ' (' + a.placement_from +
            ', region ' + a.region + ', device ' + a.device + ')';
    }).catch(function (e) {
        $('s-place').textContent = 'playback API: ' + e.message;
    });

    video.addEventListener('error', function () {
        var err = video.error;
        showError({ fatal: true, type: 'video', details: 'MediaError ' +
            (err ? err.code : '?'), message: err ? err.message : '' });
    });
    ['playing', 'waiting', 'seeking', 'seeked', 'ended', 'pause']
        .forEach(function (ev) {
            video.addEventListener(ev, function () { logEvent(ev); });
        });

    var current = { playing: null, loading: null, auto: true };

    function play() {
        var p = video.play();
        if (p && p.catch) p.catch(function (e) { logEvent('play(): ' + e.message); });
    }

    function startHls() {
        $('s-player').textContent = 'hls.js ' + (window.Hls ? Hls.version : '?');
        if (!window.Hls || !Hls.isSupported()) {
            if (video.canPlayType('application/vnd.apple.mpegurl')) {
                vo.native = true;
                $('s-player').textContent = 'native HLS';
                $('s-mode').textContent = 'Auto (native player)';
                video.src = src;
                play();
                return;
            }
            showError({ fatal: true, type: 'setup', details: 'no HLS support',
                        message: 'neither MSE nor native HLS' });
            return;
        }
        var hls = vo.hls = new Hls({ debug: false, enableWorker: true });
        hls.on(Hls.Events.MANIFEST_PARSED, function (_, data) {
            fillPicker(data.levels.map(function (l, i) {
                return { index: i, height: l.height, width: l.width,
                         bitrate: l.bitrate, codec: l.videoCodec || '' };
            }));
            logEvent('manifest: ' + data.levels.length + ' levels');
            var first = startLevel(vo.levels);
            if (first >= 0) {
                hls.loadLevel = first;   // manual mode from the first fragment
                current.auto = false;
                picker.value = String(first);
                logEvent('start level ' + levelLabel(vo.levels[first]) + ', ABR off');
            }
            play();
        });
        hls.on(Hls.Events.LEVEL_SWITCHING, function (_, data) {
            current.loading = data.level;
        });
        hls.on(Hls.Events.LEVEL_SWITCHED, function (_, data) {
            current.playing = data.level;
            vo.switches.push({ level: data.level, t: video.currentTime });
            logEvent('level switched to ' + levelLabel(vo.levels[data.level]));
        });
        hls.on(Hls.Events.FRAG_CHANGED, function (_, data) {
            if (data.frag.type === 'main') current.playing = data.frag.level;
        });
        hls.on(Hls.Events.FRAG_LOADED, function (_, data) {
            var f = data.frag;
            vo.frags.push({ type: f.type, level: f.level, sn: f.sn,
                            start: f.start, bytes: data.payload ? data.payload.byteLength : 0 });
            if (f.type === 'main') current.loading = f.level;
        });
        hls.on(Hls.Events.ERROR, function (_, data) {
            showError({ fatal: !!data.fatal, type: data.type,
                        details: data.details,
                        message: data.error ? String(data.error.message || data.error) : '' });
        });
        vo.setLevel = function (i) {
            current.auto = i < 0;
            hls.currentLevel = i;   // immediate switch (flushes the buffer)
            showChoice(i);
            logEvent('picker: ' + (i < 0 ? 'Auto' : levelLabel(vo.levels[i])));
        };
        vo.state = function () {
            return { playing: current.playing, loading: hls.loadLevel,
                     auto: hls.autoLevelEnabled };
        };
        hls.loadSource(src);
        hls.attachMedia(video);
    }

    function startDash() {
        if (!window.dashjs) {
            showError({ fatal: true, type: 'setup', details: 'dash.js missing' });
            return;
        }
        var player = vo.dash = dashjs.MediaPlayer().create();
        var E = dashjs.MediaPlayer.events;
        $('s-player').textContent = 'dash.js ' + player.getVersion();
        player.updateSettings({ debug: { logLevel: dashjs.Debug.LOG_LEVEL_WARNING } });
        player.on(E.STREAM_INITIALIZED, function () {
            var list = player.getBitrateInfoListFor('video') || [];
            fillPicker(list.map(function (b) {
                return { index: b.qualityIndex, height: b.height,
                         width: b.width, bitrate: b.bitrate };
            }));
            current.playing = player.getQualityFor('video');
            logEvent('stream initialized: ' + list.length + ' video qualities');
            var first = startLevel(vo.levels);
            if (first >= 0) {
                current.auto = false;
                picker.value = String(first);
                if (player.getQualityFor('video') !== first)
                    player.setQualityFor('video', first, true);
                logEvent('start level ' + levelLabel(vo.levels[first]) + ', ABR off');
            }
        });
        player.on(E.QUALITY_CHANGE_REQUESTED, function (e) {
            if (e.mediaType === 'video') current.loading = e.newQuality;
        });
        player.on(E.QUALITY_CHANGE_RENDERED, function (e) {
            if (e.mediaType !== 'video') return;
            current.playing = e.newQuality;
            vo.switches.push({ level: e.newQuality, t: video.currentTime });
            logEvent('quality rendered: ' + levelLabel(vo.levels[e.newQuality]));
        });
        player.on(E.FRAGMENT_LOADING_COMPLETED, function (e) {
            var r = e.request || {};
            if (r.type !== 'MediaSegment') return;
            vo.frags.push({ type: r.mediaType, level: r.quality, sn: r.index,
                            start: r.startTime, url: r.url,
                            bytes: e.response ? e.response.byteLength : 0 });
        });
        player.on(E.ERROR, function (e) {
            var err = e.error || {};
            showError({ fatal: true, type: 'dash', details: 'code ' + err.code,
                        message: err.message || '' });
        });
        player.on(E.PLAYBACK_ERROR, function (e) {
            showError({ fatal: true, type: 'playback',
                        details: String(e.error || 'error'), message: '' });
        });
        vo.setLevel = function (i) {
            current.auto = i < 0;
            player.updateSettings({ streaming: { abr: {
                autoSwitchBitrate: { video: i < 0 } } } });
            if (i >= 0) {
                current.loading = i;
                player.setQualityFor('video', i, true);
            }
            showChoice(i);
            logEvent('picker: ' + (i < 0 ? 'Auto' : levelLabel(vo.levels[i])));
        };
        vo.state = function () {
            return { playing: current.playing,
                     loading: player.getQualityFor('video'),
                     auto: current.auto };
        };
        if (levelParam !== null) {
            // ABR off from the start; min/max also steer the first segment
            var abr = { autoSwitchBitrate: { video: false } };
            if (levelParam === 'min') abr.initialBitrate = { video: 1 };
            if (levelParam === 'max') abr.initialBitrate = { video: 1e9 };
            player.updateSettings({ streaming: { abr: abr } });
        }
        player.initialize(video, src, true);
    }

    function ranges() {
        var b = video.buffered, out = [];
        for (var i = 0; i < b.length; i++)
            out.push(b.start(i).toFixed(1) + '–' + b.end(i).toFixed(1));
        return out.join(', ') || 'none';
    }
    function ahead() {
        var b = video.buffered, t = video.currentTime;
        for (var i = 0; i < b.length; i++)
            if (b.start(i) <= t + 0.1 && t <= b.end(i)) return b.end(i) - t;
        return 0;
    }

    function refresh() {
        $('s-level').textContent = levelLabel(vo.levels[current.playing]);
        $('s-loading').textContent = levelLabel(vo.levels[current.loading]);
        if (!vo.native) $('s-mode').textContent = current.auto ? 'Auto (ABR)' : 'Manual';
        $('s-time').textContent = video.currentTime.toFixed(2) + ' / ' +
            (isFinite(video.duration) ? video.duration.toFixed(2) : '?') + ' s';
        $('s-buffer').textContent = ahead().toFixed(2) + ' s';
        $('s-ranges').textContent = ranges();
        var q = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
        $('s-frames').textContent = q ? q.totalVideoFrames + ' decoded, ' +
            q.droppedVideoFrames + ' dropped' : '–';
        $('s-state').textContent = video.error ? 'error' : video.ended ? 'ended'
            : video.paused ? 'paused' : video.readyState < 3 ? 'buffering'
            : 'playing';
    }
    setInterval(refresh, 250);

    if (kind === 'dash') startDash(); else startHls();
})();
