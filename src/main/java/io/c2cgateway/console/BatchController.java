package io.c2cgateway.console;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.Validator;

import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.pairing.NewPairing;
import io.c2cgateway.pairing.Pairing;
import io.c2cgateway.pairing.PairingBatch;
import io.c2cgateway.pairing.PairingService;
import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.security.Caller;
import io.c2cgateway.system.NotFound;

/**
 * Batch mode of the station page: a CSV list of devices started as one batch through the API's
 * batch service, then followed in one table. The list is checked whole first and nothing starts
 * while any line is wrong, so a worker fixes the paste and sends it again rather than sorting out
 * which half went through. What a batch started is stored (so any replica, and any session of the
 * same key, shows it); the pairings themselves are read afresh, as the caller may see them.
 */
@Controller
class BatchController {

	private final PairingBatch batch;

	private final ConsoleBatches batches;

	private final PairingService pairings;

	private final BatchList list;

	private final Clock clock;

	BatchController(PairingBatch batch, ConsoleBatches batches, PairingService pairings, DeviceModelService models,
			Validator validator, Clock clock) {
		this.batch = batch;
		this.batches = batches;
		this.pairings = pairings;
		this.list = new BatchList(validator, models);
		this.clock = clock;
	}

	@GetMapping("/console/batches/new")
	String newBatch(Model page) {
		page.addAttribute("form", new BatchForm("", "", ""));
		page.addAttribute("problem", null);
		page.addAttribute("lineErrors", List.of());
		return "console/new-batch";
	}

	@PostMapping("/console/batches")
	String start(@RequestParam(defaultValue = "") String csv, @RequestParam(defaultValue = "") String model,
			@RequestParam(defaultValue = "") String clientVersion, @AuthenticationPrincipal Caller caller, Model page,
			HttpServletResponse response) {
		BatchForm form = new BatchForm(csv, model.trim(), clientVersion.trim());
		BatchList.Checked list = this.list.check(form);
		if (!list.startable()) {
			response.setStatus(HttpStatus.UNPROCESSABLE_CONTENT.value());
			page.addAttribute("form", form);
			page.addAttribute("problem", list.problem());
			page.addAttribute("lineErrors", list.lineErrors());
			return "console/new-batch";
		}
		List<BatchCsv.Line> lines = list.lines();
		List<NewPairing> requests = list.requests();
		PairingBatch.Results results = this.batch.start(requests, caller);
		List<BatchRow> rows = new ArrayList<>(lines.size());
		for (PairingBatch.Result result : results.results()) {
			BatchCsv.Line line = lines.get(result.index());
			NewPairing request = requests.get(result.index());
			rows.add(new BatchRow(line.number(), request.deviceId(), request.model(),
					(result.pairing() != null) ? result.pairing().id() : null,
					(result.failure() != null) ? result.failure().getMessage() : null));
		}
		ConsoleBatch started = new ConsoleBatch(UUID.randomUUID(), this.clock.instant(), rows);
		this.batches.insert(started, caller);
		return "redirect:/console/batches/" + started.id();
	}

	@GetMapping("/console/batches/{id}")
	String show(@PathVariable String id, @AuthenticationPrincipal Caller caller, Model page) {
		page.addAttribute("b", screen(find(id, caller), caller));
		return "console/batch";
	}

	/** The live table, fetched again every two seconds while any of the batch is pending. */
	@GetMapping("/console/batches/{id}/panel")
	String panel(@PathVariable String id, @AuthenticationPrincipal Caller caller, Model page,
			HttpServletResponse response) {
		response.setHeader("Cache-Control", "no-store");
		page.addAttribute("b", screen(find(id, caller), caller));
		return "console/batch :: panel";
	}

	private BatchScreen screen(ConsoleBatch batch, Caller caller) {
		List<UUID> ids = batch.rows().stream().map(BatchRow::pairingId).filter(Objects::nonNull).toList();
		Map<UUID, Pairing> current = this.pairings.getAll(ids, caller);
		List<RowScreen> rows = new ArrayList<>(batch.rows().size());
		StringBuilder state = new StringBuilder();
		int started = 0;
		int finished = 0;
		int authorized = 0;
		boolean awaitsLanding = false;
		for (BatchRow row : batch.rows()) {
			Pairing pairing = (row.pairingId() != null) ? current.get(row.pairingId()) : null;
			if (row.pairingId() != null) {
				started++;
			}
			if (row.pairingId() != null && pairing == null) {
				finished++;
			}
			else if (pairing != null && !pairing.isPending()) {
				finished++;
				if (pairing.is(PairingStatus.AUTHORIZED)) {
					authorized++;
					awaitsLanding |= StationController.awaitsLanding(pairing, this.clock);
				}
			}
			rows.add(new RowScreen(row, pairing, detail(row, pairing)));
			state.append((pairing != null) ? pairing.version() + ":" + (pairing.frameioDevice() != null) : "-")
				.append(',');
		}
		return new BatchScreen(batch, rows, started, finished, authorized, awaitsLanding, digest(state.toString()));
	}

	private static String detail(BatchRow row, Pairing pairing) {
		if (row.problem() != null) {
			return "Not started: " + row.problem();
		}
		if (pairing == null) {
			// Started by this session's key, but gone from its view: deleted by retention, or the key changed.
			return "No longer visible.";
		}
		if (pairing.is(PairingStatus.AUTHORIZED) && pairing.frameioDevice() != null) {
			return "In Frame.io as " + pairing.frameioDevice().name()
					+ ((pairing.frameioDevice().projectName() != null)
							? ", project " + pairing.frameioDevice().projectName() : "");
		}
		return StationController.reason(pairing);
	}

	private ConsoleBatch find(String id, Caller caller) {
		UUID uuid;
		try {
			uuid = UUID.fromString(id);
		}
		catch (IllegalArgumentException notUuid) {
			throw new NotFound("Batch");
		}
		// As for pairings: no difference between "never existed" and "not yours".
		return this.batches.find(uuid, caller).orElseThrow(() -> new NotFound("Batch"));
	}

	private static String digest(String text) {
		try {
			return HexFormat.of()
				.formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)))
				.substring(0, 16);
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

	record BatchForm(String csv, String model, String clientVersion) {
	}

	record LineError(long line, String deviceId, String message) {
	}

	/** What a batch started: one row per line of the list. */
	record ConsoleBatch(UUID id, Instant startedAt, List<BatchRow> rows) {
	}

	/** {@code pairingId} when the line started a pairing, else {@code problem} says why not. */
	record BatchRow(long line, String deviceId, String model, UUID pairingId, String problem) {
	}

	record RowScreen(BatchRow row, Pairing pairing, String detail) {

		public String status() {
			return (this.pairing != null) ? this.pairing.status() : (this.row.problem() != null) ? "NOT_STARTED" : "GONE";
		}

		public String statusText() {
			if (this.pairing == null) {
				return (this.row.problem() != null) ? "Not started" : "Unknown";
			}
			return switch (this.pairing.statusValue()) {
				case PENDING -> "Waiting";
				case AUTHORIZED -> "Paired";
				case EXPIRED -> "Expired";
				case DENIED -> "Denied";
				case CANCELLED -> "Cancelled";
				case FAILED -> "Failed";
			};
		}

	}

	/** A batch as its page shows it; {@code fingerprint} changes whenever any row shown does. */
	record BatchScreen(ConsoleBatch batch, List<RowScreen> rows, int started, int finished, int authorized,
			boolean awaitsLanding, String fingerprint) {

		/** Nothing more will change: every pairing ended, and Frame.io said where the paired ones landed. */
		public boolean terminal() {
			return this.finished >= this.started && !this.awaitsLanding;
		}

		public int interval() {
			return (this.finished < this.started) ? 2000 : 5000;
		}

		public int percent() {
			return (this.started == 0) ? 100 : (int) Math.floor(100.0 * this.finished / this.started);
		}

		public int notStarted() {
			return this.rows.size() - this.started;
		}

		public String summary() {
			return this.finished + " of " + this.started + " finished, " + this.authorized + " paired"
					+ ((notStarted() > 0) ? ", " + notStarted() + " not started" : "");
		}

	}

}
