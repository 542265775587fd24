package io.c2cgateway.devicemodel;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.crypto.Secret;
import io.c2cgateway.crypto.SecretBox;
import io.c2cgateway.system.Conflict;
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.InvalidRequest;
import io.c2cgateway.system.NotFound;
import io.c2cgateway.system.Patterns;

/** Device models and custody of their client secrets. */
@Service
public class DeviceModelService {

	private static final Pattern MODEL = Pattern.compile(Patterns.MODEL);

	private static final Pattern SEMVER = Pattern.compile(Patterns.SEMVER);

	private static final Pattern SCOPE = Pattern.compile("^\\s*(asset_create|offline)(\\s+(asset_create|offline))*\\s*$");

	static final String DEFAULT_SCOPE = "asset_create offline";

	static final String DEFAULT_CLIENT_VERSION = "0.0.0";

	/** How long another replica may keep using a secret after a rotation elsewhere. */
	private static final Duration SECRET_CACHE_TTL = Duration.ofSeconds(10);

	private final DeviceModels models;

	private final SecretBox box;

	private final AuditLog audit;

	private final JdbcClient jdbc;

	private final Clock clock;

	/**
	 * How old a model's settings may be when a new pairing reads them: a change made on another
	 * replica applies to that replica's new pairings within this time (on this one at once).
	 */
	private static final Duration MODEL_CACHE_TTL = Duration.ofMillis(500);

	private final ConcurrentHashMap<String, CachedSecret> secrets = new ConcurrentHashMap<>();

	private final ConcurrentHashMap<String, CachedModel> forPairing = new ConcurrentHashMap<>();

	DeviceModelService(DeviceModels models, SecretBox box, AuditLog audit, JdbcClient jdbc, Clock clock) {
		this.models = models;
		this.box = box;
		this.audit = audit;
		this.jdbc = jdbc;
		this.clock = clock;
	}

	/**
	 * One row by its key, so no transaction: a read-only transaction around it only added a commit
	 * round trip.
	 */
	public Optional<DeviceModelView> find(String model) {
		return this.models.findById(model).map(DeviceModel::view);
	}

	/**
	 * As {@link #find(String)}, from a copy at most {@link #MODEL_CACHE_TTL} old: every new pairing
	 * asks, and the lookup through the entity manager was a third of a new pairing's CPU. A model
	 * deleted on another replica may still be returned for that long; the pairing's insert checks
	 * that the model still exists, so no pairing of a deleted model is stored. A model that is not
	 * found is not remembered: one created elsewhere is usable at once.
	 */
	public Optional<DeviceModelView> findForPairing(String model) {
		long now = System.nanoTime();
		CachedModel cached = this.forPairing.get(model);
		if (cached != null && now - cached.loadedAtNanos() < MODEL_CACHE_TTL.toNanos()) {
			return Optional.of(cached.view());
		}
		Optional<DeviceModelView> found = find(model);
		found.ifPresentOrElse((view) -> this.forPairing.put(model, new CachedModel(view, now)),
				() -> this.forPairing.remove(model));
		return found;
	}

	@Transactional(readOnly = true)
	public List<DeviceModelView> list() {
		return this.models.findAllByOrderByModel().stream().map(DeviceModel::view).toList();
	}

	/**
	 * What an upstream call for this model needs: its client secret, decrypted, and its scope.
	 * Cached briefly, since every poll needs it; while the database cannot be read, the last value
	 * read serves, so polls go on through a database outage or an exhausted pool.
	 */
	public UpstreamSettings upstreamSettings(String model) {
		return upstreamSettings(model, () -> this.models.findById(model)
			.map((entity) -> new Sealed(entity.clientSecretEnc(), entity.view().scope())));
	}

	/**
	 * As {@link #upstreamSettings(String)}, a cache miss read through {@code database} instead of the
	 * shared pool: the poll engine passes its own pool, so a shared pool taken by a flood of slow
	 * requests cannot hold the engine's thread on every model it has not read yet (a pairing taken
	 * over from another replica, say) for a connection timeout each.
	 */
	public UpstreamSettings upstreamSettings(String model, DataSource database) {
		return upstreamSettings(model, () -> JdbcClient.create(database)
			.sql("select client_secret_enc, scope from device_model where model = ?")
			.param(model)
			.query((rs, row) -> new Sealed(rs.getString("client_secret_enc"), rs.getString("scope")))
			.optional());
	}

	private UpstreamSettings upstreamSettings(String model, Supplier<Optional<Sealed>> read) {
		long now = System.nanoTime();
		CachedSecret cached = this.secrets.get(model);
		if (cached != null && now - cached.loadedAtNanos() < SECRET_CACHE_TTL.toNanos()) {
			return cached.settings();
		}
		Sealed sealed;
		try {
			sealed = read.get().orElseThrow(() -> new UnknownModelException(model));
		}
		catch (DataAccessException | TransactionException ex) {
			if (cached != null) {
				return cached.settings();
			}
			throw ex;
		}
		Secret secret = this.box.open(sealed.clientSecretEnc(), "device_model", "client_secret", model);
		UpstreamSettings settings = new UpstreamSettings(secret, sealed.scope());
		this.secrets.put(model, new CachedSecret(settings, now));
		return settings;
	}

	private record Sealed(String clientSecretEnc, String scope) {
	}

	/** A model's client secret and scope. */
	public record UpstreamSettings(Secret clientSecret, String scope) {
	}

	/** Creates (true) or updates (false) a model. */
	@Transactional
	public Saved put(String model, ModelChange change, String actor) {
		Instant now = this.clock.instant();
		serializeChangesOf(model);
		Optional<DeviceModel> existing = this.models.findById(model);
		boolean created = existing.isEmpty();
		if (created && change.clientSecret() == null) {
			throw new InvalidRequest("clientSecret", "is required when the model is created");
		}
		DeviceModel entity = existing.orElseGet(() -> new DeviceModel(model, now));
		DeviceModelView before = created ? null : entity.view();
		entity.settings(
				(change.scope() != null) ? normalizeScope(change.scope())
						: (created ? DEFAULT_SCOPE : before.scope()),
				(change.defaultClientVersion() != null) ? change.defaultClientVersion()
						: (created ? DEFAULT_CLIENT_VERSION : before.defaultClientVersion()),
				(change.urlPairing() != null) ? change.urlPairing() : (!created && before.urlPairing()), now);
		if (change.clientSecret() != null) {
			entity.clientSecretEnc(this.box.seal(change.clientSecret(), "device_model", "client_secret", model), now);
		}
		this.models.save(entity);
		forgetAfterCommit(model);
		String detail = "scope=" + entity.view().scope() + " defaultClientVersion="
				+ entity.view().defaultClientVersion() + " urlPairing=" + entity.view().urlPairing()
				+ ((change.clientSecret() != null) ? " secret=rotated" : "");
		this.audit.record(actor, created ? "device_model.created" : "device_model.updated", "device_model", model,
				created ? detail.replace(" secret=rotated", "") : detail);
		return new Saved(entity.view(), created);
	}

	@Transactional
	public void delete(String model, String actor) {
		serializeChangesOf(model);
		DeviceModel entity = this.models.findById(model).orElseThrow(() -> new NotFound("Device model"));
		// Lock the model row so no pairing or device can start using it while we look.
		this.jdbc.sql("select model from device_model where model = ? for update").param(model).query(String.class).list();
		long inUse = this.jdbc
			.sql("select (select count(*) from pairing where model = :m and status = 'PENDING')"
					+ " + (select count(*) from device where model = :m)")
			.param("m", model)
			.query(Long.class)
			.single();
		if (inUse > 0) {
			throw new Conflict("model_in_use", "Devices or pending pairings use this model");
		}
		this.models.delete(entity);
		forgetAfterCommit(model);
		this.audit.record(actor, "device_model.deleted", "device_model", model, null);
	}

	/**
	 * Holds, until the transaction ends, a lock on the model's name, taken before the row is read:
	 * two requests changing one model (two admins, a retry, two replicas) then run one after the
	 * other and each sees what the other did, where reading first would have them both create the
	 * row (a duplicate key) or both delete it (Hibernate's "row was already gone", taken for an
	 * unreachable database). A lock on the name, not the row: a model being created has no row yet.
	 */
	private void serializeChangesOf(String model) {
		this.jdbc.sql("select pg_advisory_xact_lock(hashtextextended('device_model:' || ?, 0))")
			.param(model)
			.query((rs, row) -> 1)
			.list();
	}

	/**
	 * Drops this replica's copies of a changed model now and again after the commit: a request that
	 * read the row between the two would otherwise keep the old settings for a whole cache period.
	 */
	private void forgetAfterCommit(String model) {
		this.secrets.remove(model);
		this.forPairing.remove(model);
		TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
			@Override
			public void afterCommit() {
				DeviceModelService.this.secrets.remove(model);
				DeviceModelService.this.forPairing.remove(model);
			}
		});
	}

	/**
	 * What is wrong with a create or update request, by field; empty when nothing. The API and the
	 * console both ask, so a model the console saves is one the API would have accepted.
	 */
	public static List<FieldProblem> problems(String model, String clientSecret, String scope,
			String defaultClientVersion) {
		List<FieldProblem> problems = new ArrayList<>();
		if (model == null || !MODEL.matcher(model).matches()) {
			problems.add(new FieldProblem("model", "must match " + Patterns.MODEL));
		}
		if (clientSecret != null && clientSecret.isBlank()) {
			problems.add(new FieldProblem("clientSecret", "must not be blank"));
		}
		if (scope != null && !SCOPE.matcher(scope).matches()) {
			problems.add(new FieldProblem("scope", "must be space separated values of asset_create, offline"));
		}
		else if (scope != null && !List.of(scope.trim().split("\\s+")).contains("offline")) {
			// Without it Frame.io issues no refresh token: the gateway could never refresh the device.
			problems.add(new FieldProblem("scope", "must contain offline"));
		}
		if (defaultClientVersion != null && !SEMVER.matcher(defaultClientVersion).matches()) {
			problems.add(new FieldProblem("defaultClientVersion", "must be a semantic version"));
		}
		return problems;
	}

	static String normalizeScope(String scope) {
		return String.join(" ", scope.trim().split("\\s+"));
	}

	public record ModelChange(Secret clientSecret, String scope, String defaultClientVersion, Boolean urlPairing) {
	}

	public record Saved(DeviceModelView model, boolean created) {
	}

	private record CachedSecret(UpstreamSettings settings, long loadedAtNanos) {
	}

	private record CachedModel(DeviceModelView view, long loadedAtNanos) {
	}

	/** The named model does not exist (any more). */
	public static class UnknownModelException extends RuntimeException {

		UnknownModelException(String model) {
			super("unknown device model " + model);
		}

	}

}
