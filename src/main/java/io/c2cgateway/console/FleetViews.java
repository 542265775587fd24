package io.c2cgateway.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.web.util.UriComponentsBuilder;

import io.c2cgateway.audit.AuditEvent;
import io.c2cgateway.device.DeviceView;
import io.c2cgateway.pairing.Pairing;
import io.c2cgateway.security.ApiKeyView;
import io.c2cgateway.stats.StatsService;

/**
 * Rows of the fleet pages as a person reads them: times in UTC to the second, empty values as a
 * dash, and the state that deserves attention marked. Templates only print these.
 */
final class FleetViews {

	private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

	private FleetViews() {
	}

	static String time(Instant instant) {
		return (instant != null) ? TIME.format(instant) : "—";
	}

	/** A console address with the given query parameters; blank values are left out. */
	static String link(String path, Map<String, String> parameters) {
		UriComponentsBuilder uri = UriComponentsBuilder.fromPath(path);
		parameters.forEach((name, value) -> {
			if (value != null && !value.isBlank()) {
				uri.queryParam(name, value);
			}
		});
		return uri.encode().build().toUriString();
	}

	/** A console address with one path variable filled in, encoded. */
	static String path(String template, String variable) {
		return UriComponentsBuilder.fromPath(template).buildAndExpand(variable).encode().toUriString();
	}

	record PairingRow(UUID id, String status, String deviceId, String model, String station, String created,
			String finished, String reason, boolean pending) {

		static PairingRow of(Pairing pairing) {
			return new PairingRow(pairing.id(), pairing.status(), pairing.deviceId(), pairing.model(),
					pairing.createdBy(), time(pairing.createdAt()), time(pairing.completedAt()),
					(pairing.failureReason() != null) ? pairing.failureReason() : "", pairing.isPending());
		}

	}

	/** Changes whenever a row shown does: the live table is swapped only then. */
	static String fingerprint(List<Pairing> pairings) {
		return Integer.toHexString(pairings.stream()
			.map((pairing) -> pairing.id() + ":" + pairing.version())
			.collect(Collectors.joining(","))
			.hashCode());
	}

	/**
	 * A device row; {@code attention} names what needs a person: a device that must be paired again,
	 * or a revocation Frame.io refused (its tokens may still work there).
	 */
	record DeviceRow(String deviceId, String model, String clientVersion, String state, String pairedAt,
			String lastRefreshAt, String refreshTokenExpiresAt, String revokedAt, String upstreamRevocation,
			String attention, boolean revocable) {

		static DeviceRow of(DeviceView device) {
			String attention = null;
			if ("REAUTH_REQUIRED".equals(device.state())) {
				attention = "Needs pairing again";
			}
			else if ("FAILED".equals(device.upstreamRevocation())) {
				attention = "Frame.io refused the revocation (" + device.upstreamRevocationError() + ")";
			}
			String revocation = (device.upstreamRevocation() != null) ? device.upstreamRevocation() : "—";
			return new DeviceRow(device.deviceId(), device.model(), device.clientVersion(), device.state(),
					time(device.pairedAt()), time(device.lastRefreshAt()), time(device.refreshTokenExpiresAt()),
					time(device.revokedAt()), revocation, attention, !"REVOKED".equals(device.state()));
		}

	}

	record AuditRow(long id, String at, String actor, String action, String subject, String detail) {

		static AuditRow of(AuditEvent event) {
			String subject = (event.subjectType() != null ? event.subjectType() : "")
					+ (event.subjectId() != null ? " " + event.subjectId() : "");
			return new AuditRow(event.id(), time(event.at()), event.actor(), event.action(), subject.trim(),
					(event.detail() != null) ? event.detail() : "");
		}

	}

	record KeyRow(UUID id, String name, String role, String created, String revoked, boolean active) {

		static KeyRow of(ApiKeyView key) {
			return new KeyRow(key.id(), key.name(), key.role().name(), time(key.createdAt()), time(key.revokedAt()),
					key.revokedAt() == null);
		}

	}

	/** One hour of the chart as a table row, for people who do not see the chart. */
	record HourRow(String hour, List<Long> counts, long total) {

		static HourRow of(StatsService.Hour hour) {
			return new HourRow(time(hour.start()).substring(0, 16),
					FleetChart.SERIES.stream().map((series) -> hour.finished().getOrDefault(series.status(), 0L)).toList(),
					hour.total());
		}

	}

	/** An option of a filter's select: its value, its label, and whether it is the current one. */
	record Option(String value, String label, boolean selected) {
	}

}
