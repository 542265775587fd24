package io.c2cgateway;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.RestController;

import io.c2cgateway.frameio.FrameioClient;
import io.c2cgateway.system.DomainProblems;
import io.c2cgateway.system.ProblemResponses;
import io.c2cgateway.system.Problems;

import static com.tngtech.archunit.core.domain.JavaCall.Predicates.target;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.assignableTo;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.equivalentTo;
import static com.tngtech.archunit.core.domain.properties.HasName.Predicates.name;
import static com.tngtech.archunit.core.domain.properties.HasOwner.Predicates.With.owner;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the feature packages honest: no cycles, nothing leans on the sandbox, controllers stay
 * private, a pairing's status changes in {@code pairing} only, only the web layer speaks HTTP.
 */
class ArchitectureTests {

	private static final JavaClasses CLASSES = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("io.c2cgateway");

	@Test
	void featurePackagesHaveNoCycles() {
		slices().matching("io.c2cgateway.(*)..").should().beFreeOfCycles().check(CLASSES);
	}

	@Test
	void nothingDependsOnTheSandbox() {
		noClasses().that()
			.resideOutsideOfPackage("io.c2cgateway.sandbox..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.c2cgateway.sandbox..")
			.check(CLASSES);
	}

	@Test
	void controllersAreNotPartOfAnyPackagesPublicSurface() {
		classes().that().areAnnotatedWith(RestController.class).should().notBePublic().check(CLASSES);
	}

	@Test
	void nobodyReachesIntoAnotherFeaturesRepositories() {
		noClasses().that()
			.resideOutsideOfPackage("io.c2cgateway.security..")
			.should()
			.dependOnClassesThat()
			.haveSimpleName("ApiKeys")
			.check(CLASSES);
		noClasses().that()
			.resideOutsideOfPackage("io.c2cgateway.devicemodel..")
			.should()
			.dependOnClassesThat()
			.haveSimpleName("DeviceModels")
			.check(CLASSES);
		noClasses().that()
			.resideOutsideOfPackage("io.c2cgateway.pairing..")
			.should()
			.dependOnClassesThat()
			.haveSimpleName("PairingStore")
			.check(CLASSES);
	}

	@Test
	void pairingAnnouncesNewWorkWithoutKnowingThePollEngine() {
		noClasses().that()
			.resideInAPackage("io.c2cgateway.pairing..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("io.c2cgateway.polling..")
			.check(CLASSES);
	}

	@Test
	void theFrameioClientIsTheOnlyWayUpstream() {
		noClasses().that()
			.resideOutsideOfPackages("io.c2cgateway.frameio..")
			.should()
			.dependOnClassesThat()
			.haveFullyQualifiedName("org.springframework.web.reactive.function.client.WebClient")
			.check(CLASSES);
	}

	@Test
	void onlyThePollEngineAndPairingItselfChangeAPairingsStatus() {
		classes().that()
			.haveFullyQualifiedName("io.c2cgateway.pairing.PairingTransitions")
			.should()
			.onlyBeAccessed()
			.byAnyPackage("io.c2cgateway.pairing..", "io.c2cgateway.polling..")
			.check(CLASSES);
	}

	/**
	 * ArchUnit sees calls, not SQL: this reads the main sources. A pairing's row is created by
	 * {@code PairingStore} and its status changed by {@code PairingTransitions}, nowhere else, so
	 * that the fences, the {@code version} bump and the events of a change cannot be forgotten.
	 */
	@Test
	void noSqlOutsidePairingTransitionsWritesAPairingsStatus() throws IOException {
		Path main = Path.of("src/main/java");
		List<String> offences = new ArrayList<>();
		try (Stream<Path> files = Files.walk(main)) {
			for (Path file : files.filter((f) -> f.toString().endsWith(".java")).sorted().toList()) {
				String path = main.relativize(file).toString().replace('\\', '/');
				for (String write : pairingStatusWrites(Files.readString(file))) {
					boolean allowed = write.startsWith("insert") ? path.equals("io/c2cgateway/pairing/PairingStore.java")
							: path.equals("io/c2cgateway/pairing/PairingTransitions.java");
					if (!allowed) {
						offences.add(path + ": " + write);
					}
				}
			}
		}
		assertThat(offences)
			.as("A pairing's status is written only by pairing.PairingTransitions (changes) and pairing.PairingStore"
					+ " (creation); ask PairingTransitions for the change instead of writing pairing.status")
			.isEmpty();
	}

	@Test
	void theStatusWriteRuleCatchesTheWritesTheEngineOnceMadeItself() {
		// The poll engine's own statements before pairing owned its statuses, and harmless neighbours.
		String oldPollStore = """
				update pairing set status = ?, failure_reason = ?, completed_at = ?, updated_at = ?, version = version + 1,
				    last_poll_at = coalesce(?, last_poll_at), next_poll_at = null, lease_owner = null
				where id = ? and lease_owner = ? and lease_epoch = ? and status = 'PENDING'
				\"\"\", finish.status().name());
				this.shared.update(\"\"\"
				update pairing set status = 'AUTHORIZED', completed_at = ?, updated_at = ?, version = version + 1
				where id = ? and status = 'PENDING'
				""";
		String concatenated = "jdbc.sql(\"UPDATE pairing p SET lease_owner = null, \" + \"p.status = 'CANCELLED' where id = ?\")";
		String harmless = """
				update pairing set lease_owner = null where lease_owner = ? and status = 'PENDING'
				update pairing p set lease_owner = ?, lease_epoch = p.lease_epoch + 1 from candidates c where p.id = c.id
				update webhook_delivery set status = 'DELIVERED' where id = ?
				update pairing set last_status_code = ?, updated_at = ? where id = ?
				select status from pairing_archive where status = 'PENDING'
				""";

		assertThat(pairingStatusWrites(oldPollStore)).hasSize(2);
		assertThat(pairingStatusWrites(concatenated)).hasSize(1);
		assertThat(pairingStatusWrites("insert into pairing (id, status) values (?, 'PENDING')")).hasSize(1);
		assertThat(pairingStatusWrites(harmless)).isEmpty();
	}

	private static final Pattern UPDATE_PAIRING = Pattern
		.compile("\\bupdate\\s+pairing(?:\\s+(?!set\\b)\\w+)?\\s+set\\b(.*?)(?:\\bwhere\\b|\\bfrom\\b|\\breturning\\b|;|$)", Pattern.DOTALL);

	private static final Pattern SETS_STATUS = Pattern.compile("(?:^|[\\s,.])status\\s*=");

	private static final Pattern INSERT_PAIRING = Pattern.compile("\\binsert\\s+into\\s+pairing\\b");

	/**
	 * The statements in a Java source that write {@code pairing.status}: an insert into the table,
	 * or an update whose SET clause assigns {@code status}. String concatenations are joined first.
	 */
	static List<String> pairingStatusWrites(String source) {
		String text = source.toLowerCase(Locale.ROOT).replaceAll("\"\\s*\\+\\s*\"", "");
		List<String> writes = new ArrayList<>();
		Matcher update = UPDATE_PAIRING.matcher(text);
		while (update.find()) {
			if (SETS_STATUS.matcher(update.group(1)).find()) {
				writes.add("update pairing set … status = …");
			}
		}
		Matcher insert = INSERT_PAIRING.matcher(text);
		while (insert.find()) {
			writes.add("insert into pairing …");
		}
		return writes;
	}

	/**
	 * Services refuse with domain exceptions ({@code system.DomainException}); which HTTP status a
	 * refusal becomes is the web layer's business, decided in one table ({@link DomainProblems}).
	 */
	@Test
	void onlyTheWebLayerSpeaksInHttpStatuses() {
		noClasses().that(SPEAKS_HTTP.negate())
			.should()
			.dependOnClassesThat()
			.haveFullyQualifiedName("org.springframework.http.HttpStatus")
			.orShould()
			.dependOnClassesThat()
			.haveFullyQualifiedName("org.springframework.http.HttpStatusCode")
			.orShould()
			.dependOnClassesThat()
			.haveSimpleName("ApiException")
			.check(CLASSES);
	}

	private static final DescribedPredicate<JavaClass> SPEAKS_HTTP = DescribedPredicate.describe(
			"web layer (controllers, advice, servlet filters, security chains, problem writers), the sandbox or the Frame.io client",
			ArchitectureTests::speaksHttp);

	private static boolean speaksHttp(JavaClass type) {
		JavaClass outer = type;
		while (outer.getEnclosingClass().isPresent()) {
			outer = outer.getEnclosingClass().get();
		}
		return webLayer(outer)
				// The simulator is an HTTP server standing in for Frame.io: statuses are what it answers.
				|| outer.getPackageName().startsWith("io.c2cgateway.sandbox")
				// The client's plumbing reads Frame.io's statuses to classify answers into Upstream values.
				|| outer.isEquivalentTo(FrameioClient.class);
	}

	private static boolean webLayer(JavaClass type) {
		return type.isMetaAnnotatedWith(Controller.class) || type.isMetaAnnotatedWith(ControllerAdvice.class)
				|| type.isAssignableTo(Filter.class)
				// Security chains answer 401/403 themselves, before any controller runs.
				|| type.getMethods().stream().anyMatch((method) -> method.getRawReturnType().isEquivalentTo(SecurityFilterChain.class))
				// Tomcat's error reports, for requests that never reach Spring MVC.
				|| type.isAssignableTo(WebServerFactoryCustomizer.class)
				|| type.isEquivalentTo(Problems.class) || type.isEquivalentTo(ProblemResponses.class)
				|| type.isEquivalentTo(DomainProblems.class);
	}

	/**
	 * Threads come from Spring's executors and schedulers, which give them metrics and an orderly
	 * shutdown; the poll engine's own loop is the one exception.
	 */
	@Test
	void onlyThePollEngineMakesItsOwnThreads() {
		List<String> allowed = List.of("io.c2cgateway.polling.PollEngine");
		DescribedPredicate<JavaCall<?>> handMade = target(owner(assignableTo(Thread.class)))
			.and(target(name("<init>")))
			.or(target(owner(equivalentTo(Executors.class))))
			.or(target(owner(assignableTo(ThreadPoolExecutor.class))).and(target(name("<init>"))))
			.or(target(owner(assignableTo(ScheduledThreadPoolExecutor.class))).and(target(name("<init>"))))
			.or(target(owner(assignableTo(ForkJoinPool.class))).and(target(name("<init>"))))
			.as("make threads or pools of their own (new Thread, Executors.*, new ThreadPoolExecutor, "
					+ "ScheduledThreadPoolExecutor or ForkJoinPool)");
		// Nested and anonymous classes count as their top-level class.
		DescribedPredicate<JavaClass> notExempt = DescribedPredicate.describe("are not exempt",
				(javaClass) -> !allowed.contains(javaClass.getName().replaceFirst("\\$.*", "")));
		noClasses().that(notExempt)
			.should()
			.callCodeUnitWhere(handMade)
			.check(CLASSES);
	}

}
