package io.c2cgateway.pairing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.device.PairedDevices;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.devicemodel.DeviceModelView;
import io.c2cgateway.frameio.ClientCredentials;
import io.c2cgateway.frameio.DeviceCode;
import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.frameio.Upstream;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.LogContext;
import io.c2cgateway.system.NotFound;
import io.c2cgateway.system.UnknownReference;
import io.c2cgateway.system.UpstreamFailure;
import io.c2cgateway.system.UpstreamRateLimited;
import io.c2cgateway.system.UpstreamRefused;
import io.c2cgateway.system.UpstreamUnavailable;

/** The pairing lifecycle as stations and admins drive it: start, read, list, cancel. */
@Service
public class PairingService {

	private static final Logger log = LoggerFactory.getLogger(PairingService.class);

	private final PairingStore store;

	private final DeviceModelService models;

	private final FrameioClient frameio;

	private final SecretBox box;

	private final AuditLog audit;

	private final ApplicationEventPublisher events;

	private final TransactionTemplate tx;

	private final Clock clock;

	private final MeterRegistry meters;

	private final PairedDevices devices;

	private final PairingTransitions transitions;

	PairingService(PairingStore store, DeviceModelService models, FrameioClient frameio, SecretBox box, AuditLog audit,
			ApplicationEventPublisher events, TransactionTemplate tx, Clock clock, MeterRegistry meters, PairedDevices devices,
			PairingTransitions transitions) {
		this.transitions = transitions;
		this.store = store;
		this.models = models;
		this.frameio = frameio;
		this.box = box;
		this.audit = audit;
		this.events = events;
		this.tx = tx;
		this.clock = clock;
		this.meters = meters;
		this.devices = devices;
	}

	/**
	 * Starts a pairing: one device-code request upstream, then one row. A live pairing of the same
	 * device, caller and model is returned as it is instead. No transaction spans the upstream call.
	 */
	public Started start(NewPairing request, Caller caller) {
		DeviceModelView model = this.models.findForPairing(request.model())
			.orElseThrow(() -> unknownModel(request));
		var existing = this.store.findPending(request.deviceId());
		if (existing.isPresent()) {
			return reuseOrConflict(existing.get(), request, caller);
		}
		// After the pending check: a pairing authorized since then has already made the device PAIRED.
		refuseIfPairedElsewhere(request, caller);
		String clientVersion = (request.clientVersion() != null) ? request.clientVersion() : model.defaultClientVersion();
		boolean urlPairing = (request.urlPairing() != null) ? request.urlPairing() : model.urlPairing();
		int timeout = (request.timeoutSeconds() != null) ? request.timeoutSeconds() : NewPairing.DEFAULT_TIMEOUT_SECONDS;
		DeviceModelService.UpstreamSettings settings = this.models.upstreamSettings(model.model());
		Upstream<DeviceCode> answer = this.frameio
			.requestDeviceCode(new ClientCredentials(model.model(), request.deviceId(), settings.clientSecret(), clientVersion),
					settings.scope(), urlPairing)
			.block();
		if (!(answer instanceof Upstream.Ok<DeviceCode> ok)) {
			throw upstreamFailure(answer, request, caller);
		}
		DeviceCode code = ok.value();
		Instant now = this.clock.instant();
		Pairing pairing = new Pairing(UUID.randomUUID(), request.deviceId(), model.model(), clientVersion, urlPairing,
				PairingStatus.PENDING.name(), code.userCode(), code.verificationUri(), code.verificationUriComplete(), code.name(),
				now.plusSeconds(code.expiresInSeconds()), 1, code.intervalSeconds(), now.plusSeconds(timeout), now, now,
				null, null, caller.name(), 1, null, caller.keyId());
		try {
			this.tx.executeWithoutResult((status) -> {
				// The model was read before the upstream call, perhaps from a copy: deleted since
				// (here or on another replica), it must not get a pairing.
				if (!this.store.insert(pairing, this.box.seal(code.deviceCode(), "pairing", "device_code", pairing.id()),
						now.plusSeconds(code.intervalSeconds()))) {
					throw unknownModel(request);
				}
				this.audit.record(now, caller.actor(), "pairing.created", "pairing", pairing.id().toString(),
						"deviceId=" + pairing.deviceId() + " model=" + pairing.model());
			});
		}
		catch (DuplicateKeyException raced) {
			// Another request for the same device won the race; its pairing decides the answer.
			var winner = this.store.findPending(request.deviceId());
			if (winner.isPresent()) {
				return reuseOrConflict(winner.get(), request, caller);
			}
			throw raced;
		}
		this.meters.counter("gateway.pairings.started").increment();
		this.events.publishEvent(new PairingStarted(pairing.id()));
		try (LogContext context = LogContext.of(pairing.id(), pairing.deviceId())) {
			log.info("Pairing {} started for device {}", pairing.id(), pairing.deviceId());
		}
		return new Started(pairing, true);
	}

	private static UnknownReference unknownModel(NewPairing request) {
		return new UnknownReference("unknown_model", "No device model named '" + request.model() + "'");
	}

	private Started reuseOrConflict(Pairing existing, NewPairing request, Caller caller) {
		if (existing.createdByKeyId().equals(caller.keyId()) && existing.model().equals(request.model())) {
			return new Started(existing, false);
		}
		throw new Conflict("pairing_conflict",
				"Device " + request.deviceId() + " has a pending pairing from another caller or model");
	}

	/**
	 * A device that holds tokens is its station's: only the key whose pairing it holds, or an ADMIN,
	 * may replace them. Once that key is deleted no station matches, so only an ADMIN may (or any
	 * station after an ADMIN revoked the device).
	 */
	private void refuseIfPairedElsewhere(NewPairing request, Caller caller) {
		if (caller.isAdmin()) {
			return;
		}
		UUID holding = this.devices.holdingPairing(request.deviceId()).orElse(null);
		if (holding == null) {
			return;
		}
		// Retention keeps a device's last pairing; should it be gone anyway, nobody can show it is theirs.
		boolean own = this.store.find(holding).map((holder) -> holder.createdByKeyId().equals(caller.keyId())).orElse(false);
		if (!own) {
			this.audit.record(caller.actor(), "pairing.start_refused", "device", request.deviceId(),
					"model=" + request.model() + " code=device_paired_elsewhere");
			throw new Conflict("device_paired_elsewhere",
					"Device " + request.deviceId() + " is paired by another station");
		}
	}

	private UpstreamFailure upstreamFailure(Upstream<DeviceCode> answer, NewPairing request, Caller caller) {
		UpstreamFailure failure;
		if (answer instanceof Upstream.Rejected<DeviceCode> rejected) {
			failure = new UpstreamRefused("Frame.io refused the device code request", rejected.error());
		}
		else if (answer instanceof Upstream.RateLimited<DeviceCode> limited) {
			failure = new UpstreamRateLimited("Frame.io is rate limiting device code requests",
					(limited.retryAfter() != null) ? limited.retryAfter() : Duration.ofSeconds(1));
		}
		else {
			String reason = (answer instanceof Upstream.Unavailable<DeviceCode> unavailable) ? unavailable.reason()
					: "unknown";
			failure = new UpstreamUnavailable("Frame.io did not answer the device code request (" + reason + ")");
		}
		this.audit.record(caller.actor(), "pairing.start_failed", "device", request.deviceId(),
				"model=" + request.model() + " code=" + failure.code()
						+ ((failure instanceof UpstreamRefused refused) ? " upstreamError=" + refused.upstreamError() : ""));
		return failure;
	}

	/** The pairing if the caller may see it (STATION: its own), else 404. */
	public Pairing get(String id, Caller caller) {
		return visible(id, caller);
	}

	/**
	 * Those of the given pairings the caller may see, by id; the others are left out as if they did
	 * not exist. One query, for pages that follow many pairings at once.
	 */
	public Map<UUID, Pairing> getAll(Collection<UUID> ids, Caller caller) {
		Map<UUID, Pairing> visible = new LinkedHashMap<>();
		for (Pairing pairing : this.store.findAll(ids)) {
			if (caller.isAdmin() || pairing.createdByKeyId().equals(caller.keyId())) {
				visible.put(pairing.id(), pairing);
			}
		}
		return visible;
	}

	Pairing cancel(String id, Caller caller) {
		Pairing pairing = visible(id, caller);
		Instant now = this.clock.instant();
		boolean cancelled = this.transitions.cancel(pairing.id(), now, caller.actor());
		Pairing current = this.store.find(pairing.id()).orElseThrow(() -> new NotFound("Pairing"));
		if (cancelled) {
			log.info("Pairing {} cancelled by {}", pairing.id(), caller.actor());
			return current;
		}
		if (current.is(PairingStatus.CANCELLED)) {
			return current;
		}
		throw new Conflict("pairing_finished", "The pairing is already " + current.status());
	}

	public Page list(PairingQuery query, Caller caller) {
		List<Pairing> rows = this.store.list(query, caller.isAdmin() ? null : caller.keyId());
		String next = null;
		if (rows.size() > query.limit()) {
			rows = rows.subList(0, query.limit());
			Pairing last = rows.get(rows.size() - 1);
			next = new PairingQuery.Cursor(last.createdAt(), last.id()).encode();
		}
		return new Page(rows, next);
	}

	/** A pairing the caller may see; others answer 404, never 403. */
	private Pairing visible(String id, Caller caller) {
		UUID uuid;
		try {
			uuid = UUID.fromString(id);
		}
		catch (IllegalArgumentException notUuid) {
			throw new NotFound("Pairing");
		}
		return this.store.find(uuid)
			.filter((pairing) -> caller.isAdmin() || pairing.createdByKeyId().equals(caller.keyId()))
			.orElseThrow(() -> new NotFound("Pairing"));
	}

	public record Started(Pairing pairing, boolean created) {
	}

	public record Page(List<Pairing> items, String nextCursor) {
	}

}
