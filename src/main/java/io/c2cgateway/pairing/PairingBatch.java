package io.c2cgateway.pairing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.function.IntFunction;
import java.util.function.Supplier;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Service;

import io.c2cgateway.ratelimit.RateLimitCharges;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.DomainException;
import io.c2cgateway.system.FieldProblem;
import io.c2cgateway.system.InternalFailure;
import io.c2cgateway.system.InvalidRequest;
import io.c2cgateway.system.Problems;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/pairings/batch}: every item goes through {@link PairingService#start} as if
 * posted alone, and answers on its own; one item's failure fails nothing else. Items run
 * concurrently, at most {@code batch-concurrency} of one batch at a time, on a pool shared by all
 * batches of this replica ({@link PairingConfiguration#pairingBatchExecutor}); when that pool is
 * busy, the request's own thread runs the item.
 */
@Service
public class PairingBatch {

	private static final Logger log = LoggerFactory.getLogger(PairingBatch.class);

	public static final int MAX_ITEMS = 500;

	private final PairingService pairings;

	private final JsonMapper json;

	private final Validator validator;

	private final int concurrency;

	private final Executor workers;

	private final RateLimitCharges rateLimit;

	PairingBatch(PairingService pairings, JsonMapper json, Validator validator, PairingProperties properties,
			RateLimitCharges rateLimit, @Qualifier("pairingBatchExecutor") Executor workers) {
		this.pairings = pairings;
		this.rateLimit = rateLimit;
		this.json = json;
		this.validator = validator;
		this.concurrency = properties.batchConcurrency();
		this.workers = workers;
	}

	/** The body as parsed JSON: whole-body rules first (400 for all), then each item on its own. */
	Results start(JsonNode body, Caller caller) {
		JsonNode items = (body != null && body.isObject()) ? body.get("items") : null;
		if (items == null || !items.isArray() || items.isEmpty() || items.size() > MAX_ITEMS) {
			throw new InvalidRequest("items", "must be an array of 1 to " + MAX_ITEMS + " pairings");
		}
		List<JsonNode> list = new ArrayList<>(items.size());
		items.forEach(list::add);
		return run(list.size(), (index) -> parse(index, list.get(index)), caller);
	}

	/**
	 * The same batch from requests already read (the console's CSV): the same whole-body rules,
	 * concurrency and per-item answers as {@code POST /pairings/batch}.
	 */
	public Results start(List<NewPairing> items, Caller caller) {
		if (items == null || items.isEmpty() || items.size() > MAX_ITEMS) {
			throw new InvalidRequest("items", "must be an array of 1 to " + MAX_ITEMS + " pairings");
		}
		return run(items.size(), (index) -> validated(items.get(index)), caller);
	}

	private Results run(int size, IntFunction<NewPairing> request, Caller caller) {
		// Each item may cost a device-code call upstream, so each counts as a request of the
		// caller's key; the request itself was charged one on the way in.
		this.rateLimit.chargeMore(caller, size - 1);
		Semaphore window = new Semaphore(this.concurrency);
		List<CompletableFuture<Result>> futures = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			int index = i;
			window.acquireUninterruptibly();
			futures.add(CompletableFuture.supplyAsync(() -> {
				try {
					return one(index, () -> request.apply(index), caller);
				}
				finally {
					window.release();
				}
			}, this.workers));
		}
		List<Result> results = new ArrayList<>(futures.size());
		for (CompletableFuture<Result> future : futures) {
			results.add(future.join());
		}
		return new Results(results);
	}

	private Result one(int index, Supplier<NewPairing> item, Caller caller) {
		try {
			NewPairing request = item.get();
			PairingService.Started started = this.pairings.start(request, caller);
			return new Result(index, started.pairing(), started.created(), null);
		}
		catch (DomainException ex) {
			return new Result(index, null, false, ex);
		}
		catch (RuntimeException ex) {
			log.error("Batch item {} failed unexpectedly", index, ex);
			return new Result(index, null, false, new InternalFailure("The gateway failed to handle this item"));
		}
	}

	/** As {@code POST /pairings} would read it: wrong types and broken rules are a 400 with errors[]. */
	private NewPairing parse(int index, JsonNode item) {
		if (item == null || !item.isObject()) {
			throw new InvalidRequest("items[" + index + "]", "must be a JSON object");
		}
		NewPairing request;
		try {
			request = this.json.treeToValue(item, NewPairing.class);
		}
		catch (MismatchedInputException ex) {
			throw new InvalidRequest(Problems.pathOf(ex), "has the wrong type");
		}
		catch (JacksonException ex) {
			throw new InvalidRequest("items[" + index + "]", "is not a pairing request");
		}
		return validated(request);
	}

	private NewPairing validated(NewPairing request) {
		List<FieldProblem> problems = new ArrayList<>();
		for (ConstraintViolation<NewPairing> violation : this.validator.validate(request)) {
			problems.add(new FieldProblem(violation.getPropertyPath().toString(), violation.getMessage()));
		}
		if (!problems.isEmpty()) {
			problems.sort(Comparator.comparing(FieldProblem::field).thenComparing(FieldProblem::message));
			throw new InvalidRequest(problems);
		}
		return request;
	}

	/**
	 * One item's outcome: its pairing ({@code created} or found live), or the refusal it would have
	 * met alone; the other is null.
	 */
	public record Result(int index, Pairing pairing, boolean created, DomainException failure) {
	}

	public record Results(List<Result> results) {
	}

}
