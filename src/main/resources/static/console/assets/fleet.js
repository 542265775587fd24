// The fleet's pairing table follows its pending rows: while one is on the page, the table's body is
// fetched again every few seconds (the session cookie authenticates it) and swapped when it changed.
(function () {
	'use strict';

	var EVERY_MS = 3000;

	function follow() {
		var rows = document.getElementById('rows');
		if (!rows || !rows.dataset.rowsUrl) {
			return;
		}
		var busy = false;
		var timer = setInterval(function () {
			if (rows.dataset.live !== 'true') {
				clearInterval(timer);
				return;
			}
			if (busy || document.hidden) {
				return;
			}
			busy = true;
			fetch(rows.dataset.rowsUrl, { headers: { 'X-Requested-With': 'XMLHttpRequest' }, credentials: 'same-origin', cache: 'no-store' })
				.then(function (response) {
					if (response.redirected || response.status === 401 || response.status === 403) {
						window.location.reload();
						return null;
					}
					return response.ok ? response.text() : null;
				})
				.then(function (html) {
					if (!html) {
						return;
					}
					// A bare <tbody> parses only inside a table.
					var doc = new DOMParser().parseFromString('<table>' + html + '</table>', 'text/html');
					var next = doc.getElementById('rows');
					if (next && next.dataset.fingerprint !== rows.dataset.fingerprint) {
						rows.replaceWith(next);
						rows = next;
					}
					else if (next) {
						rows.dataset.live = next.dataset.live;
					}
				})
				.catch(function () {
					// A missed refresh is retried on the next tick.
				})
				.finally(function () {
					busy = false;
				});
		}, EVERY_MS);
	}

	document.addEventListener('DOMContentLoaded', follow);
})();
