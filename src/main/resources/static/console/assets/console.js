// The station page follows its pairing by fetching the server-rendered panel (the session cookie
// authenticates it). Polling rather than an EventSource on the pairing's event stream: a browser
// holds at most six HTTP/1.1 connections per host, so a station with a few pairing tabs open would
// starve its own clicks, and the streams count against the key's limit shared with API clients.
// Each poll is one indexed row read. The panel is swapped only when something shown changed; in
// between, the countdown ticks here, and every poll resets it to the server's figure, so a renewed
// code's new expiry shows at once. The panel says how often to ask (data-interval) and when to stop
// (data-terminal): after the outcome, it is still asked now and then until Frame.io has said where an
// authorized device landed. The batch page follows its table the same way.
(function () {
	'use strict';

	function follow() {
		var panel = document.getElementById('panel');
		if (!panel || panel.dataset.terminal === 'true') {
			return;
		}
		var url = panel.dataset.panelUrl;
		var left = parseInt(panel.dataset.secondsLeft, 10) || 0;
		var announce = document.getElementById('announce');

		function show(seconds) {
			var countdown = document.getElementById('countdown');
			if (countdown) {
				var s = Math.max(0, seconds);
				countdown.textContent = Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0');
			}
		}

		var ticker = setInterval(function () {
			left -= 1;
			show(left);
		}, 1000);

		function swap(next) {
			// Keep keyboard focus where it was (a link in the table, say) across the swap.
			var focused = document.activeElement && panel.contains(document.activeElement)
				? document.activeElement.id : null;
			panel.replaceWith(next);
			panel = next;
			if (focused && document.getElementById(focused)) {
				document.getElementById(focused).focus();
			}
			if (announce && next.dataset.announce) {
				// A region that stays in the page: screen readers miss live regions swapped in whole.
				announce.textContent = next.dataset.announce;
			}
		}

		function poll() {
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
						swap(next);
					}
					else {
						// Same content; only when to stop or how often to ask may have moved on.
						panel.dataset.terminal = next.dataset.terminal;
						panel.dataset.interval = next.dataset.interval;
					}
					show(left);
				})
				.catch(function () {
					// A missed poll is retried on the next round.
				})
				.finally(function () {
					if (panel.dataset.terminal === 'true') {
						clearInterval(ticker);
						return;
					}
					setTimeout(poll, parseInt(panel.dataset.interval, 10) || 1000);
				});
		}

		setTimeout(poll, parseInt(panel.dataset.interval, 10) || 1000);
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

	// A CSV file is read into the list box, so the worker sees (and may fix) it before starting.
	function fileFills() {
		document.querySelectorAll('input[type=file][data-fills]').forEach(function (input) {
			input.addEventListener('change', function () {
				var file = input.files && input.files[0];
				if (!file) {
					return;
				}
				var reader = new FileReader();
				reader.onload = function () {
					var target = document.getElementById(input.dataset.fills);
					target.value = String(reader.result);
					target.focus();
				};
				reader.readAsText(file);
			});
		});
	}

	// A batch of hundreds takes a while to start: one click, and a sign that it is under way.
	function busyForms() {
		document.querySelectorAll('form[data-busy-label]').forEach(function (form) {
			form.addEventListener('submit', function () {
				var button = form.querySelector('button[type=submit]');
				if (button) {
					button.disabled = true;
					button.textContent = form.dataset.busyLabel;
				}
			});
		});
	}

	document.addEventListener('DOMContentLoaded', function () {
		follow();
		copyButtons();
		fileFills();
		busyForms();
	});
})();
