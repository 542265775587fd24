package io.c2cgateway.console;

import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;

import io.c2cgateway.security.Caller;

/** Sign-in and the console's home, which lists what the console offers so far. */
@Controller
class ConsoleController {

	@GetMapping("/")
	String root() {
		return "redirect:/console";
	}

	@GetMapping(ConsoleSecurityConfiguration.SIGN_IN)
	String signIn(@AuthenticationPrincipal Caller caller) {
		return (caller != null) ? "redirect:/console" : "console/sign-in";
	}

	@GetMapping("/console")
	String home() {
		return "console/home";
	}

}
