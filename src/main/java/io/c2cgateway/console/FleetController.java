package io.c2cgateway.console;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import io.c2cgateway.audit.AuditQuery;
import io.c2cgateway.audit.AuditTrail;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.devicemodel.DeviceModelView;
import io.c2cgateway.pairing.PairingQuery;
import io.c2cgateway.pairing.PairingService;
import io.c2cgateway.pairing.PairingStatus;
import io.c2cgateway.security.ApiKeyService;
import io.c2cgateway.security.ApiKeyView;
import io.c2cgateway.security.Caller;
import io.c2cgateway.security.Role;
import io.c2cgateway.stats.StatsService;
import io.c2cgateway.system.QueryParameters;

/**
 * The fleet view for admins (the console's security chain lets only ADMIN keys in): counts and a
 * chart, every pairing, the audit trail. Filters are read by the same rules as the API's, and the
 * lists come from the services the API lists from.
 */
@Controller
class FleetController {

	static final String BASE = "/console/fleet";

	static final int PAGE_SIZE = 20;

	static final List<String> STATUSES = PairingStatus.NAMES;

	private final PairingService pairings;

	private final DeviceModelService models;

	private final ApiKeyService keys;

	private final AuditTrail audit;

	private final StatsService stats;

	private final Clock clock;

	FleetController(PairingService pairings, DeviceModelService models, ApiKeyService keys, AuditTrail audit,
			StatsService stats, Clock clock) {
		this.pairings = pairings;
		this.models = models;
		this.keys = keys;
		this.audit = audit;
		this.stats = stats;
		this.clock = clock;
	}

	@GetMapping(BASE)
	String overview(Model model) {
		List<StatsService.Hour> hours = this.stats.finishedPerHour(this.clock.instant(), 24);
		model.addAttribute("stats", this.stats.current());
		model.addAttribute("hours", hours.stream().filter((hour) -> hour.total() > 0).map(FleetViews.HourRow::of).toList());
		model.addAttribute("series", FleetChart.SERIES);
		model.addAttribute("chart", FleetChart.svg(hours));
		return "console/fleet/overview";
	}

	@GetMapping(BASE + "/pairings")
	String pairings(PairingFilter filter, @AuthenticationPrincipal Caller caller,
			Model model) {
		List<DeviceModelView> known = this.models.list();
		List<ApiKeyView> creators = this.keys.views()
			.stream()
			.filter((key) -> key.role() != Role.DEVICE)
			.sorted(Comparator.comparing(ApiKeyView::name))
			.toList();
		model.addAttribute("filter", filter);
		model.addAttribute("statusOptions", options(STATUSES.stream().map((s) -> Map.entry(s, s)).toList(), filter.status()));
		model.addAttribute("modelOptions",
				options(known.stream().map((m) -> Map.entry(m.model(), m.model())).toList(), filter.model()));
		model.addAttribute("stationOptions", options(creators.stream()
			.map((key) -> Map.entry(key.id().toString(), key.name() + " (" + key.role().name().toLowerCase() + ")"))
			.toList(), filter.station()));
		rows(filter, caller, model);
		return "console/fleet/pairings";
	}

	/** The table's body alone, fetched again every few seconds while a row on it is pending. */
	@GetMapping(BASE + "/pairings/rows")
	String pairingRows(PairingFilter filter, @AuthenticationPrincipal Caller caller,
			Model model, HttpServletResponse response) {
		response.setHeader("Cache-Control", "no-store");
		rows(filter, caller, model);
		return "console/fleet/pairings :: rows";
	}

	private void rows(PairingFilter filter, Caller caller, Model model) {
		QueryParameters query = new QueryParameters();
		List<String> statuses = new ArrayList<>();
		if (filter.status() != null && !filter.status().isBlank()) {
			if (STATUSES.contains(filter.status())) {
				statuses.add(filter.status());
			}
			else {
				query.reject("status", "must be one of " + String.join(", ", STATUSES));
			}
		}
		String byModel = query.text("model", filter.model());
		String byDevice = query.text("deviceId", filter.deviceId());
		UUID station = null;
		if (filter.station() != null && !filter.station().isBlank()) {
			try {
				station = UUID.fromString(filter.station().trim());
			}
			catch (IllegalArgumentException ex) {
				query.reject("station", "must be one of the listed keys");
			}
		}
		PairingQuery.Cursor cursor = query.cursor(filter.cursor(), PairingQuery.Cursor::decode);
		query.throwIfInvalid();
		PairingService.Page page = this.pairings.list(
				new PairingQuery(statuses, byModel, byDevice, null, null, PAGE_SIZE, cursor, station), caller);
		model.addAttribute("rows", page.items().stream().map(FleetViews.PairingRow::of).toList());
		model.addAttribute("anyPending", page.items().stream().anyMatch((pairing) -> pairing.isPending()));
		model.addAttribute("fingerprint", FleetViews.fingerprint(page.items()));
		model.addAttribute("rowsUrl", FleetViews.link(BASE + "/pairings/rows", filter.parameters(filter.cursor())));
		model.addAttribute("nextUrl", (page.nextCursor() != null)
				? FleetViews.link(BASE + "/pairings", filter.parameters(page.nextCursor())) : null);
		model.addAttribute("firstUrl", (filter.cursor() != null && !filter.cursor().isBlank())
				? FleetViews.link(BASE + "/pairings", filter.parameters(null)) : null);
	}

	@GetMapping(BASE + "/audit")
	String audit(@RequestParam(required = false) String action, @RequestParam(required = false) String subjectId,
			@RequestParam(required = false) String cursor, Model model) {
		QueryParameters query = new QueryParameters();
		String byAction = query.text("action", action);
		String bySubject = query.text("subjectId", subjectId);
		if (byAction != null && byAction.length() > 64) {
			query.reject("action", "must be at most 64 characters");
		}
		if (bySubject != null && bySubject.length() > 160) {
			query.reject("subjectId", "must be at most 160 characters");
		}
		Long before = query.cursor(cursor, AuditQuery::decodeCursor);
		query.throwIfInvalid();
		AuditTrail.Page page = this.audit.list(new AuditQuery(bySubject, byAction, null, PAGE_SIZE, before));
		Map<String, String> parameters = new LinkedHashMap<>();
		parameters.put("action", byAction);
		parameters.put("subjectId", bySubject);
		model.addAttribute("action", (byAction != null) ? byAction : "");
		model.addAttribute("subjectId", (bySubject != null) ? bySubject : "");
		model.addAttribute("rows", page.items().stream().map(FleetViews.AuditRow::of).toList());
		if (page.nextCursor() != null) {
			Map<String, String> next = new LinkedHashMap<>(parameters);
			next.put("cursor", page.nextCursor());
			model.addAttribute("nextUrl", FleetViews.link(BASE + "/audit", next));
		}
		model.addAttribute("firstUrl",
				(cursor != null && !cursor.isBlank()) ? FleetViews.link(BASE + "/audit", parameters) : null);
		return "console/fleet/audit";
	}

	private static List<FleetViews.Option> options(List<Map.Entry<String, String>> values, String current) {
		return values.stream()
			.map((value) -> new FleetViews.Option(value.getKey(), value.getValue(), value.getKey().equals(current)))
			.toList();
	}

	/** The pairing list's filters as the form sends them; bound from query parameters. */
	record PairingFilter(String status, String model, String deviceId, String station, String cursor) {

		Map<String, String> parameters(String cursor) {
			Map<String, String> parameters = new LinkedHashMap<>();
			parameters.put("status", this.status);
			parameters.put("model", this.model);
			parameters.put("deviceId", this.deviceId);
			parameters.put("station", this.station);
			parameters.put("cursor", cursor);
			return parameters;
		}

	}

}
