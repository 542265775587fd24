package io.c2cgateway;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import org.springframework.web.bind.annotation.RestController;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/** Keeps the feature packages honest: no cycles, nothing leans on the sandbox, controllers stay private. */
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

}
