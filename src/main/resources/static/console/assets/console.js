// The station page follows its pairing by fetching the server-rendered panel every second (the
// session cookie authenticates it; an EventSource could not send an API key). The panel is swapped
// only when something shown changed; in between, the countdown ticks here. Every poll resets the
// countdown to the server's figure, so a renewed code's new expiry shows at once. The batch page
// follows its table the same way, less often (data-interval).
(function () {
	'use strict';

	function follow() {
		var panel = document.getElementById('panel');
		if (!panel || panel.dataset.terminal === 'true') {
			return;
		}
		var url = panel.dataset.panelUrl;
		var left = parseInt(panel.dataset.secondsLeft, 10) || 0;
		var interval = parseInt(panel.dataset.interval, 10) || 1000;
		var announce = document.getElementById('announce');
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
		}, interval);
	}

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
		fileFills();
	});
})();
