package io.c2cgateway.stats;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/stats} (ADMIN: the security configuration says so). */
@RestController
class StatsController {

	private final StatsService stats;

	StatsController(StatsService stats) {
		this.stats = stats;
	}

	@GetMapping("/api/v1/stats")
	StatsService.Stats stats() {
		return this.stats.current();
	}

}
