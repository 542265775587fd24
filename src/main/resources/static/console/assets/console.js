// The station page follows its pairing by fetching the server-rendered panel every second (the
// session cookie authenticates it; an EventSource could not send an API key). The panel is swapped
// only when something shown changed; in between, the countdown ticks here.
(function () {
	'use strict';

	function follow() {
		var panel = document.getElementById('panel');
		if (!panel || panel.dataset.terminal === 'true') {
			return;
		}
		var url = panel.dataset.panelUrl;
		var left = parseInt(panel.dataset.secondsLeft, 10) || 0;
		var busy = false;

		function show(seconds) {
			var countdown = document.getElementById('countdown');
			if (countdown) {
				var s = Math.max(0, seconds);
				countdown.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
			}
		}

		var timer = setInterval(function () {
			left -= 1;
			show(left);
			if (busy) {
				return;
			}
			busy = true;
			fetch(url, { headers: { 'X-Requested-With': 'XMLHttpRequest' }, credentials: 'same-origin', cache: 'no-store' })
				.then(function (response) {
					if (response.redirected || response.status === 401 || response.status === 403) {
						// Signed out (or the key was deleted): let the server say where to go.
						window.location.reload();
						return null;
					}
					return response.ok ? response.text() : null;
				})
				.then(function (html) {
					if (!html) {
						return;
					}
					var next = new DOMParser().parseFromString(html, 'text/html').getElementById('panel');
					if (!next) {
						return;
					}
					left = parseInt(next.dataset.secondsLeft, 10) || 0;
					if (next.dataset.fingerprint !== panel.dataset.fingerprint) {
						panel.replaceWith(next);
						panel = next;
						if (panel.dataset.terminal === 'true') {
							clearInterval(timer);
						}
					}
					show(left);
				})
				.catch(function () {
					// A missed poll is retried on the next tick.
				})
				.finally(function () {
					busy = false;
				});
		}, 1000);
	}

	function copyButtons() {
		document.querySelectorAll('button[data-copy]').forEach(function (button) {
			button.addEventListener('click', function () {
				var field = document.getElementById(button.dataset.copy);
				var status = document.getElementById('copy-status');
				field.select();
				var done = function () {
					if (status) {
						status.textContent = 'Copied to the clipboard.';
					}
				};
				if (navigator.clipboard && window.isSecureContext) {
					navigator.clipboard.writeText(field.value).then(done, function () {
						document.execCommand('copy');
						done();
					});
				}
				else {
					document.execCommand('copy');
					done();
				}
			});
		});
	}

	document.addEventListener('DOMContentLoaded', function () {
		follow();
		copyButtons();
	});
})();
