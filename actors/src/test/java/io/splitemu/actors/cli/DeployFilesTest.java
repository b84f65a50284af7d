package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.splitemu.actors.CiSuite;
import io.splitemu.actors.config.Settings;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static checks of deploy/ with the tools Debian packages give (no container runtime, no cluster):
 * docker-compose's own validation, kubectl's offline kustomize build, promtool, deploy/
 * check-static.py's consistency checks, and local-cluster.sh's argument handling and syntax.
 *
 * <p>A missing tool skips its test with the packages to install, except in the CI suite ({@code
 * CI=true} or {@code splitemu.data} set, as {@code .ci/run} does), where {@code .ci/run} installs
 * them and a missing one is a failure ({@link CiSuite}).
 */
class DeployFilesTest {

  /** The repository root: Maven runs the actors tests in the actors folder. */
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  private static final Path DEPLOY = ROOT.resolve("deploy");

  /** What the supervisor's grace allows beyond its stop bound to leave the cluster and exit. */
  private static final Duration LEAVE_AND_EXIT = Duration.ofSeconds(30);

  private static final Pattern COMPOSE_DURATION =
      Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");

  @Test
  void composeFileIsValidForDockerCompose(@TempDir Path tmp) throws Exception {
    String compose = tool("docker-compose", "docker-compose");
    Result ok = exec(DEPLOY, compose, "-f", "docker-compose.yml", "config", "-q");
    assertEquals(0, ok.code(), "docker-compose config -q: " + ok.output());

    // The same tool refuses a service key compose does not know, so its pass above means something.
    Path broken = copyOfDeploy(tmp);
    Path file = broken.resolve("deploy/docker-compose.yml");
    Files.writeString(
        file,
        Files.readString(file).replace("    hostname: devices-1\n", "    hostnam: devices-1\n"));
    Result bad =
        exec(broken.resolve("deploy"), compose, "-f", "docker-compose.yml", "config", "-q");
    assertNotEquals(0, bad.code(), "docker-compose accepted an unknown key");
    assertTrue(bad.output().contains("hostnam"), bad.output());
  }

  @Test
  void kubernetesManifestsBuildWithKubectlKustomize(@TempDir Path tmp) throws Exception {
    // kubectl's client-side dry run needs an API server for the kinds' REST mappings (kubectl
    // 1.20: "connection refused"), so the offline check is kustomize's build, which parses every
    // manifest and refuses a document without apiVersion, kind or metadata.name.
    String kubectl = tool("kubectl", "kubernetes-client");
    Result ok = exec(ROOT, kubectl, "kustomize", "deploy/k8s");
    assertEquals(0, ok.code(), "kubectl kustomize deploy/k8s: " + ok.output());
    for (String kind :
        List.of(
            "kind: Service",
            "kind: ConfigMap",
            "kind: PersistentVolumeClaim",
            "kind: Job",
            "kind: StatefulSet")) {
      assertTrue(ok.output().contains(kind), kind + " missing from the build:\n" + ok.output());
    }
    assertTrue(ok.output().contains("name: splitemu-devices"), ok.output());
    assertTrue(ok.output().contains("name: splitemu-edge-hops"), ok.output());

    Path broken = copyOfDeploy(tmp);
    Path svc = broken.resolve("deploy/k8s/service.yaml");
    Files.writeString(svc, Files.readString(svc).replace("kind: Service\n", ""));
    Result bad = exec(broken, kubectl, "kustomize", "deploy/k8s");
    assertNotEquals(0, bad.code(), "kustomize built a manifest without kind:\n" + bad.output());
  }

  /**
   * deploy/README.md's recipe for another scenario on Kubernetes: after {@code kubectl create
   * configmap splitemu-scenario ...}, every {@code kubectl apply} of the recipe (a {@code -k}
   * folder built with kubectl kustomize, a {@code -f} file as it is) must re-create the supervisor
   * Job and must not apply the ConfigMap {@code splitemu-scenario}, which would put quickstart back
   * and run it instead of the engineer's scenario.
   */
  @Test
  void anotherScenarioRecipeRunsThatScenario() throws Exception {
    String kubectl = tool("kubectl", "kubernetes-client");
    List<String> commands = kubernetesRecipe();
    int create = -1;
    for (int i = 0; i < commands.size(); i++) {
      if (commands.get(i).startsWith("kubectl create configmap splitemu-scenario ")) {
        create = i;
      }
    }
    assertTrue(create >= 0, "deploy/README.md: no kubectl create configmap splitemu-scenario");
    assertTrue(
        commands.get(create).contains("--from-file=scenario.conf="),
        "the recipe's ConfigMap must hold the key scenario.conf: " + commands.get(create));
    boolean deletedJob = false;
    boolean recreatedJob = false;
    String previous = "";
    for (String c : commands.subList(create + 1, commands.size())) {
      String piped = previous;
      previous = c;
      if (c.startsWith("kubectl delete -k")) {
        break; // the teardown
      }
      if (c.equals("kubectl delete job splitemu-supervisor")) {
        deletedJob = true;
      }
      List<String> words = List.of(c.split("\\s+"));
      boolean fromKustomize = piped.startsWith("kubectl kustomize ") && words.contains("-");
      if (!c.startsWith("kubectl apply ") || (words.contains("-") && !fromKustomize)) {
        continue; // the ConfigMap's own apply (-f -)
      }
      String manifests;
      int k = words.indexOf("-k");
      int f = words.indexOf("-f");
      if (fromKustomize) {
        // kubectl kustomize DIR | kubectl apply -l KEY=VALUE -f -: the built objects so labelled.
        Result built = exec(ROOT, kubectl, "kustomize", piped.split("\\s+")[2]);
        assertEquals(0, built.code(), piped + ": " + built.output());
        int l = words.indexOf("-l");
        assertTrue(l >= 0, "deploy/README.md: " + c + " applies every object the build holds");
        String[] label = words.get(l + 1).split("=", 2);
        StringBuilder selected = new StringBuilder();
        for (String doc : built.output().split("(?m)^---\\s*$")) {
          // kubectl kustomize writes metadata.labels as "  labels:" with the labels indented by 4.
          Matcher meta = Pattern.compile("(?m)^metadata:\n((?:  .*\n)*)").matcher(doc);
          Matcher labels =
              Pattern.compile("(?m)^  labels:\n((?:    .*\n)*)")
                  .matcher(meta.find() ? meta.group(1) : "");
          if (labels.find()
              && labels
                  .group(1)
                  .lines()
                  .anyMatch(x -> x.equals("    " + label[0] + ": " + label[1]))) {
            selected.append(doc).append("\n---\n");
          }
        }
        manifests = selected.toString();
      } else if (k >= 0) {
        Result built = exec(ROOT, kubectl, "kustomize", words.get(k + 1));
        assertEquals(0, built.code(), c + ": " + built.output());
        manifests = built.output();
      } else {
        assertTrue(f >= 0, "deploy/README.md: neither -k nor -f in " + c);
        manifests = Files.readString(ROOT.resolve(words.get(f + 1)));
      }
      for (String doc : manifests.split("(?m)^---\\s*$")) {
        boolean named = doc.matches("(?s).*(?m:^  name: splitemu-scenario$).*");
        assertTrue(
            !(named && doc.matches("(?s).*(?m:^kind: ConfigMap$).*")),
            "deploy/README.md: `"
                + c
                + "` applies the ConfigMap splitemu-scenario again after the recipe replaced it:"
                + " the Job would run quickstart, not the engineer's scenario");
        recreatedJob |=
            deletedJob
                && doc.matches("(?s).*(?m:^kind: Job$).*")
                && doc.matches("(?s).*(?m:^  name: splitemu-supervisor$).*");
      }
    }
    assertTrue(
        recreatedJob,
        "deploy/README.md: the recipe for another scenario does not delete and re-apply the Job"
            + " splitemu-supervisor: "
            + commands.subList(create, commands.size()));
  }

  /**
   * The commands of deploy/README.md's Kubernetes code block: continuation lines joined, comments
   * dropped, split at {@code &&} and {@code |}.
   */
  private static List<String> kubernetesRecipe() throws IOException {
    String readme = Files.readString(DEPLOY.resolve("README.md"));
    int section = readme.indexOf("## Kubernetes: k8s/");
    assertTrue(section >= 0, "deploy/README.md: no section \"## Kubernetes: k8s/\"");
    int open = readme.indexOf("```\n", section);
    int close = readme.indexOf("```", open + 4);
    String block = readme.substring(open + 4, close).replaceAll("\\\\\n", " ");
    List<String> commands = new ArrayList<>();
    for (String line : block.split("\n")) {
      String code = line.replaceAll("\\s+#.*$", "");
      for (String c : code.split("&&|\\|")) {
        if (!c.isBlank()) {
          commands.add(c.strip().replaceAll("\\s+", " "));
        }
      }
    }
    return commands;
  }

  /**
   * The Debian packages of the CI suite are the same three times: what .ci/run installs when
   * missing, what README.md's "Test it" tells a newcomer to install, and what a failing test's line
   * names ({@link CiSuite#DEBIAN_PACKAGES}).
   */
  @Test
  void ciPackagesAgreeInReadmeCiRunAndTheTests() throws IOException {
    List<String> ciRun = new ArrayList<>();
    Matcher m =
        Pattern.compile("\\|\\| missing\\+=\\(([^)]+)\\)")
            .matcher(Files.readString(ROOT.resolve(".ci/run")));
    while (m.find()) {
      ciRun.add(m.group(1));
    }
    assertEquals(CiSuite.DEBIAN_PACKAGES, ciRun, ".ci/run's missing+=(...) packages");
    String prefix = "sudo apt-get install --no-install-recommends ";
    List<String> readme =
        Files.readString(ROOT.resolve("README.md"))
            .lines()
            .filter(l -> l.startsWith(prefix))
            .map(l -> List.of(l.substring(prefix.length()).strip().split("\\s+")))
            .findFirst()
            .orElseGet(() -> fail("README.md: no line \"" + prefix + "...\""));
    assertEquals(CiSuite.DEBIAN_PACKAGES, readme, "README.md's apt-get install packages");
  }

  /**
   * After SIGTERM the supervisor stops the run at the end of the round under way and checkpoints,
   * waiting up to {@link RunCommand#stopBound} for a round that shows no progress (barrier.timeout
   * from reference.conf plus a minute). Its grace before SIGKILL, in compose, in the Job and in
   * local-cluster.sh, must cover that bound plus {@link #LEAVE_AND_EXIT} to leave the cluster and
   * exit, or it is killed before it checkpoints.
   */
  @Test
  void supervisorGraceCoversTheCheckpointOnSigterm() throws Exception {
    String python = python();
    Result r =
        exec(
            ROOT,
            python,
            "-c",
            String.join(
                "\n",
                "import yaml",
                "c = yaml.safe_load(open('deploy/docker-compose.yml'))",
                // compose's default grace is 10 s, Kubernetes' 30 s
                "print(c['services']['supervisor'].get('stop_grace_period', '10s'))",
                "j = yaml.safe_load(open('deploy/k8s/supervisor-job.yaml'))",
                "print(j['spec']['template']['spec'].get('terminationGracePeriodSeconds', 30))"));
    assertEquals(0, r.code(), r.output());
    List<String> graces = r.output().strip().lines().toList();
    Duration bound =
        RunCommand.stopBound(Settings.load(ROOT.resolve("scenarios/quickstart.conf"), List.of()))
            .plus(LEAVE_AND_EXIT);
    Matcher m = COMPOSE_DURATION.matcher(graces.get(0));
    assertTrue(m.matches(), "deploy/docker-compose.yml: supervisor stop_grace_period " + graces);
    long compose =
        (m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3600)
            + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60)
            + (m.group(3) == null ? 0 : Long.parseLong(m.group(3)));
    assertTrue(
        compose >= bound.toSeconds(),
        "deploy/docker-compose.yml: the supervisor's stop_grace_period "
            + graces.get(0)
            + " is shorter than its stop bound after SIGTERM plus leaving, "
            + bound.toSeconds()
            + " s: Docker kills it before it checkpoints");
    assertTrue(
        Long.parseLong(graces.get(1)) >= bound.toSeconds(),
        "deploy/k8s/supervisor-job.yaml: terminationGracePeriodSeconds "
            + graces.get(1)
            + " is shorter than the supervisor's stop bound after SIGTERM plus leaving, "
            + bound.toSeconds()
            + " s: the kubelet kills it before it checkpoints");
    Matcher script =
        Pattern.compile("supervisor_grace=\"\\$\\{LOCAL_CLUSTER_SUPERVISOR_GRACE:-(\\d+)}\"")
            .matcher(Files.readString(DEPLOY.resolve("local-cluster.sh")));
    assertTrue(script.find(), "deploy/local-cluster.sh: no LOCAL_CLUSTER_SUPERVISOR_GRACE default");
    assertTrue(
        Long.parseLong(script.group(1)) >= bound.toSeconds(),
        "deploy/local-cluster.sh: LOCAL_CLUSTER_SUPERVISOR_GRACE's default "
            + script.group(1)
            + " is shorter than the supervisor's stop bound after SIGTERM plus leaving, "
            + bound.toSeconds()
            + " s: the script kills it before it checkpoints");
    String readme = Files.readString(DEPLOY.resolve("README.md"));
    for (String said :
        List.of(
            "`stop_grace_period` is " + compose + " s",
            "`LOCAL_CLUSTER_SUPERVISOR_GRACE` seconds (" + script.group(1) + ":",
            "`terminationGracePeriodSeconds: " + graces.get(1) + "`",
            bound.minus(LEAVE_AND_EXIT).toSeconds() + " s with the default")) {
      assertTrue(readme.contains(said), "deploy/README.md does not say " + said);
    }
  }

  /**
   * The classic builder (Debian's docker-compose 1.29 builds with it) reads only the context root's
   * .dockerignore, BuildKit deploy/Dockerfile.dockerignore: both must keep the same things out of
   * the context, build outputs first (a stale actors/target would ride into the build stage).
   */
  @Test
  void bothDockerignoresKeepTheSameOut() throws IOException {
    List<String> root = patterns(ROOT.resolve(".dockerignore"));
    assertEquals(patterns(DEPLOY.resolve("Dockerfile.dockerignore")), root, ".dockerignore");
    assertTrue(root.contains("**/target/"), ".dockerignore must keep out **/target/: " + root);
    assertTrue(root.contains(".git/"), ".dockerignore must keep out .git/: " + root);
  }

  private static List<String> patterns(Path dockerignore) throws IOException {
    assertTrue(Files.isRegularFile(dockerignore), "no " + dockerignore);
    return Files.readAllLines(dockerignore).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .toList();
  }

  @Test
  void composePrometheusConfigPassesPromtool() throws Exception {
    String promtool = tool("promtool", "prometheus");
    Result ok = exec(DEPLOY, promtool, "check", "config", "prometheus.yml");
    assertEquals(0, ok.code(), "promtool check config: " + ok.output());
  }

  @Test
  void deployFilesAgreeWithEachOtherAndTheRepository() throws Exception {
    String python = python();
    Result ok = exec(ROOT, python, "deploy/check-static.py");
    assertEquals(0, ok.code(), ok.output());
    assertEquals("ok", ok.output().strip());
  }

  @Test
  void consistencyCheckFindsWhatWouldBreakTheCluster(@TempDir Path tmp) throws Exception {
    String python = python();
    Path copy = copyOfDeploy(tmp);
    Path d = copy.resolve("deploy");
    // One mistake of each kind the checker is there for; each must be named.
    // The supervisor as the seed: the members would stay in its cluster after its run.
    edit(
        d.resolve("docker-compose.yml"),
        "      - edge-hops:7355,devices-1:7355\n      - --bind\n      - devices-1\n",
        "      - supervisor:7355\n      - --bind\n      - devices-1\n");
    edit(d.resolve("prometheus.yml"), "devices-2:9464", "devices-2:9465");
    edit(
        d.resolve("k8s/devices-statefulset.yaml"),
        "    matchLabels:\n      app.kubernetes.io/name: splitemu\n"
            + "      app.kubernetes.io/component: devices\n",
        "    matchLabels:\n      app.kubernetes.io/name: splitemu\n"
            + "      app.kubernetes.io/component: device\n");
    edit(d.resolve("k8s/supervisor-job.yaml"), "status.podIP", "status.hostIP");
    edit(
        d.resolve("k8s/edge-hops-statefulset.yaml"),
        "prometheus.io/port: \"9464\"",
        "prometheus.io/port: \"9090\"");
    edit(d.resolve("k8s/scenario-configmap.yaml"), "batch-size = 32", "batch-size = 64");
    edit(
        d.resolve("k8s/supervisor-job.yaml"),
        "mountPath: /var/lib/splitemu/scenarios\n",
        "mountPath: /etc/splitemu\n");
    // The first seed no longer binds its pod's DNS name, the one in every --seed-nodes.
    edit(d.resolve("k8s/edge-hops-statefulset.yaml"), "metadata.name", "spec.nodeName");
    // Members that cannot read the scenario's files: a devices member without the data.
    edit(
        d.resolve("k8s/devices-statefulset.yaml"),
        "            - name: data\n              mountPath: /var/lib/shared/data\n",
        "");
    edit(
        d.resolve("docker-compose.yml"),
        "    hostname: devices-2\n",
        "    hostname: devices-2\n"
            + "    volumes:\n"
            + "      - ../scenarios:/var/lib/splitemu/scenarios:ro\n");
    edit(d.resolve("Dockerfile"), "USER 10001:10001", "USER root");
    // Members without probes: not restarted when they stop listening, ready before they listen.
    edit(
        d.resolve("k8s/devices-statefulset.yaml"),
        "          readinessProbe:\n            httpGet:\n              path: /ready\n"
            + "              port: metrics\n"
            + "            periodSeconds: 5\n            timeoutSeconds: 3\n"
            + "          livenessProbe:\n            tcpSocket:\n              port: cluster\n"
            + "            initialDelaySeconds: 30\n            periodSeconds: 20\n"
            + "            failureThreshold: 6\n",
        "");
    edit(d.resolve("k8s/supervisor-job.yaml"), "          livenessProbe:\n", "          xProbe:\n");
    // A heap of 40 % of the host's memory on every member: a member without a memory limit.
    edit(d.resolve("docker-compose.yml"), "    mem_limit: 4g\n", "");
    // A node whose metrics Prometheus cannot reach: on 127.0.0.1 in its container.
    edit(
        d.resolve("docker-compose.yml"),
        "      - devices-2\n      - --port\n      - \"7355\"\n      - --metrics-port\n"
            + "      - \"9464\"\n      - --metrics-bind\n      - 0.0.0.0\n",
        "      - devices-2\n      - --port\n      - \"7355\"\n      - --metrics-port\n"
            + "      - \"9464\"\n");
    assertReported(
        copy,
        python,
        "devices-1: --seed-nodes must be the seed nodes, edge-hops:7355,devices-1:7355",
        "targets ['devices-1:9464', 'devices-2:9465'",
        "k8s/devices-statefulset.yaml: selector",
        "k8s/supervisor-job.yaml: --bind $(POD_IP) must be $(POD_IP) from fieldRef",
        "k8s/edge-hops-statefulset.yaml: needs prometheus.io/scrape",
        "scenario.conf differs from scenarios/quickstart.conf",
        "the scenario /var/lib/splitemu/scenarios/scenario.conf is not in a mounted ConfigMap",
        "k8s: seed splitemu-edge-hops-0.splitemu-cluster:7355 is not a pod of a node"
            + " StatefulSet that binds its DNS name",
        "k8s/devices-statefulset.yaml: container needs a readinessProbe",
        "k8s/devices-statefulset.yaml: container needs a livenessProbe",
        "k8s/supervisor-job.yaml: container needs a livenessProbe",
        "devices-1: a heap of -XX:MaxRAMPercentage needs mem_limit",
        "k8s/devices-statefulset.yaml: must mount the volume data at /var/lib/shared/data",
        "devices-2: must mount ${SPLITEMU_DATA:-../../shared/data} at /var/lib/shared/data",
        "Dockerfile: the final stage must run as a non-root USER",
        "devices-2: node needs --metrics-bind 0.0.0.0 in a container");
  }

  /**
   * What leaves a member in a cluster of its own or misplaces the deployment: both seeds gone at
   * once (ready on an open port, not on being Up; no spread; no disruption budget of one), a seed
   * on port 0 (the member picks a free port nobody can name), a results reader that could write, no
   * images entry for the registry, a data claim the default StorageClass provisions empty.
   */
  @Test
  void seedLossRisksAndDeploymentSlipsAreReported(@TempDir Path tmp) throws Exception {
    String python = python();
    Path copy = copyOfDeploy(tmp);
    Path d = copy.resolve("deploy");
    // Ready as soon as the cluster port is open, not once the member is Up.
    edit(
        d.resolve("k8s/devices-statefulset.yaml"),
        "            httpGet:\n              path: /ready\n              port: metrics\n",
        "            tcpSocket:\n              port: cluster\n");
    edit(d.resolve("k8s/edge-hops-statefulset.yaml"), "podAntiAffinity", "podAffinity");
    edit(d.resolve("k8s/pdb.yaml"), "  maxUnavailable: 1\n", "  maxUnavailable: 2\n");
    // The second seed on port 0, in both files, its own --port 0 too (so the seeds still name it).
    edit(
        d.resolve("docker-compose.yml"),
        "      - devices-1\n      - --port\n      - \"7355\"\n",
        "      - devices-1\n      - --port\n      - \"0\"\n");
    edit(
        d.resolve("docker-compose.yml"),
        "edge-hops:7355,devices-1:7355",
        "edge-hops:7355,devices-1:0");
    for (String f : List.of("edge-hops-statefulset", "devices-statefulset", "supervisor-job")) {
      edit(
          d.resolve("k8s/" + f + ".yaml"),
          "splitemu-devices-0.splitemu-cluster:7355",
          "splitemu-devices-0.splitemu-cluster:0");
    }
    edit(
        d.resolve("k8s/results-reader.yaml"),
        "          mountPath: /results\n          readOnly: true\n",
        "          mountPath: /results\n");
    String kust = Files.readString(d.resolve("k8s/kustomization.yaml"));
    Files.writeString(
        d.resolve("k8s/kustomization.yaml"), kust.substring(0, kust.indexOf("\nimages:\n") + 1));
    edit(d.resolve("k8s/data-pvc.yaml"), "  storageClassName: \"\"\n", "");
    assertReported(
        copy,
        python,
        "k8s/devices-statefulset.yaml: readinessProbe must be httpGet /ready on the metrics"
            + " port",
        "k8s/edge-hops-statefulset.yaml: needs a preferred podAntiAffinity on"
            + " kubernetes.io/hostname",
        "k8s: needs a PodDisruptionBudget with maxUnavailable: 1 over every node"
            + " StatefulSet's pods",
        "docker-compose.yml: devices-1: --port must be a fixed port, 1 to 65535",
        "docker-compose.yml: supervisor: seed devices-1:0 needs a fixed port",
        "k8s: seed splitemu-devices-0.splitemu-cluster:0 needs a fixed port",
        "k8s/results-reader.yaml: the results claim must be mounted readOnly: true",
        "k8s/kustomization.yaml: no images entry for splitemu",
        "k8s/data-pvc.yaml: a ReadOnlyMany claim needs storageClassName: \"\"");
  }

  /**
   * A first seed that is every member's only seed joins itself again at once when it is restarted
   * (after a crash, or downed on the minority side of a partition): a cluster of its own, which
   * every later run waits for in vain. The checker holds that the seeds are two or more nodes.
   */
  @Test
  void aSingleSeedIsReported(@TempDir Path tmp) throws Exception {
    String python = python();
    Path copy = copyOfDeploy(tmp);
    Path d = copy.resolve("deploy");
    edit(d.resolve("docker-compose.yml"), "edge-hops:7355,devices-1:7355", "edge-hops:7355");
    for (String f : List.of("edge-hops-statefulset", "devices-statefulset", "supervisor-job")) {
      edit(
          d.resolve("k8s/" + f + ".yaml"),
          "splitemu-edge-hops-0.splitemu-cluster:7355,splitemu-devices-0.splitemu-cluster:7355",
          "splitemu-edge-hops-0.splitemu-cluster:7355");
    }
    assertReported(
        copy,
        python,
        "docker-compose.yml: --seed-nodes edge-hops:7355 must be two or more nodes'",
        "k8s: --seed-nodes splitemu-edge-hops-0.splitemu-cluster:7355 must be two or more");
  }

  /**
   * The TLS variants, deploy/docker-compose.tls.yml over docker-compose.yml and the overlay
   * deploy/k8s-tls over k8s/, pass their tools and give every member, the supervisor included, the
   * three TLS options (the secrets' files are made by the user, not in the repository).
   */
  @Test
  void tlsVariantsBuildWithTheirTools_andGiveEveryMemberTls() throws Exception {
    String compose = tool("docker-compose", "docker-compose");
    Result merged =
        exec(DEPLOY, compose, "-f", "docker-compose.yml", "-f", "docker-compose.tls.yml", "config");
    assertEquals(
        0, merged.code(), "docker-compose ... -f docker-compose.tls.yml config: " + merged);
    assertEquals(4, count(merged.output(), "- --tls-password-file\n"), merged.output());
    assertEquals(4, count(merged.output(), "- source: splitemu-keystore\n"), merged.output());
    String kubectl = tool("kubectl", "kubernetes-client");
    Result built = exec(ROOT, kubectl, "kustomize", "deploy/k8s-tls");
    assertEquals(0, built.code(), "kubectl kustomize deploy/k8s-tls: " + built.output());
    assertEquals(3, count(built.output(), "- --tls-password-file\n"), built.output());
    assertEquals(3, count(built.output(), "secretName: splitemu-tls\n"), built.output());
    assertEquals(3, count(built.output(), "fsGroup: 10001\n"), built.output());
    for (String overlay : List.of("deploy/k8s-resume", "deploy/k8s-tls-resume")) {
      Result resume = exec(ROOT, kubectl, "kustomize", overlay);
      assertEquals(0, resume.code(), "kubectl kustomize " + overlay + ": " + resume.output());
      assertEquals(
          1, count(resume.output(), "- --resume\n *- \\$\\(SPLITEMU_RESUME\\)\n"), overlay);
      assertEquals(
          overlay.contains("tls") ? 3 : 0,
          count(resume.output(), "- --tls-password-file\n"),
          overlay);
    }
  }

  /**
   * TLS on some members only (a plain member cannot connect to a TLS one), a TLS file a member is
   * given but that is not in its container, a Secret's files the pod's user cannot read, and a
   * compose override whose command drifted from docker-compose.yml's are each reported; so are a
   * resume overlay whose --resume variable is set from nothing and one on the wrong base.
   */
  @Test
  void tlsOnSomeMembersOrUnmountedIsReported(@TempDir Path tmp) throws Exception {
    String python = python();
    Path copy = copyOfDeploy(tmp);
    Path d = copy.resolve("deploy");
    // The override without the supervisor's command: it would run plain TCP.
    String tls = Files.readString(d.resolve("docker-compose.tls.yml"));
    Files.writeString(
        d.resolve("docker-compose.tls.yml"),
        tls.substring(0, tls.indexOf("  supervisor:\n"))
            + tls.substring(tls.indexOf("  edge-hops:\n")));
    // devices-2 without its secrets; devices-1's command no longer the base file's.
    edit(
        d.resolve("docker-compose.tls.yml"),
        "      - devices-2\n      - --port\n      - \"7355\"\n      - --metrics-port\n"
            + "      - \"9464\"\n      - --metrics-bind\n      - 0.0.0.0\n"
            + "      - --tls-keystore\n      - /run/secrets/splitemu-keystore\n"
            + "      - --tls-truststore\n      - /run/secrets/splitemu-truststore\n"
            + "      - --tls-password-file\n      - /run/secrets/splitemu-tls-password\n"
            + "    secrets: [splitemu-keystore, splitemu-truststore, splitemu-tls-password]\n",
        "      - devices-2\n      - --port\n      - \"7355\"\n      - --metrics-port\n"
            + "      - \"9464\"\n      - --metrics-bind\n      - 0.0.0.0\n"
            + "      - --tls-keystore\n      - /run/secrets/splitemu-keystore\n"
            + "      - --tls-truststore\n      - /run/secrets/splitemu-truststore\n"
            + "      - --tls-password-file\n      - /run/secrets/splitemu-tls-password\n");
    edit(
        d.resolve("docker-compose.tls.yml"),
        "      - --bind\n      - devices-1\n",
        "      - --bind\n      - devices-one\n");
    // The overlay leaves the devices StatefulSet plain; its Secret readable by root alone; the
    // password file outside the Secret's mount.
    edit(
        d.resolve("k8s-tls/kustomization.yaml"),
        "  - path: tls-patch.yaml\n    target:\n      kind: StatefulSet\n"
            + "      name: splitemu-devices\n",
        "");
    edit(d.resolve("k8s-tls/tls-patch.yaml"), "defaultMode: 288", "defaultMode: 256");
    edit(
        d.resolve("k8s-tls/tls-patch.yaml"),
        "value: /var/run/secrets/splitemu-tls/password",
        "value: /etc/splitemu-password");
    edit(
        d.resolve("k8s-resume/kustomization.yaml"),
        "      - op: add\n        path: /spec/template/spec/containers/0/env/-\n",
        "      - op: add\n        path: /metadata/labels/x\n");
    edit(d.resolve("k8s-tls-resume/kustomization.yaml"), "  - ../k8s-tls\n", "  - ../k8s\n");
    assertReported(
        copy,
        python,
        "k8s-resume: Job splitemu-supervisor: --resume $(SPLITEMU_RESUME) needs env SPLITEMU_RESUME"
            + " from a configMapKeyRef",
        "k8s-tls-resume/kustomization.yaml: resources must be ../k8s-tls",
        "docker-compose.tls.yml: TLS options on ['devices-1', 'devices-2', 'edge-hops'] but not on"
            + " ['supervisor']",
        "docker-compose.tls.yml: devices-2: --tls-keystore /run/secrets/splitemu-keystore is"
            + " neither a secret it is given nor in one of its volumes",
        "docker-compose.tls.yml: devices-1: command must be docker-compose.yml's followed by the"
            + " TLS options",
        "k8s-tls: TLS options on ['Job splitemu-supervisor', 'StatefulSet splitemu-edge-hops'] but"
            + " not on ['StatefulSet splitemu-devices']",
        "k8s-tls: Job splitemu-supervisor: --tls-keystore /var/run/secrets/splitemu-tls/member.p12:"
            + " a Secret's files belong to root: give the volume a defaultMode the group may read"
            + " (0440, not 0400)",
        "k8s-tls: StatefulSet splitemu-edge-hops: --tls-password-file /etc/splitemu-password is in"
            + " no mounted volume");
  }

  private static int count(String text, String regex) {
    return (int) Pattern.compile(regex).matcher(text).results().count();
  }

  @Test
  void localClusterScriptRefusesBadArgumentsInOneLine(@TempDir Path tmp) throws Exception {
    String bash = tool("bash", "bash");
    Result syntax = exec(ROOT, bash, "-n", "deploy/local-cluster.sh");
    assertEquals(0, syntax.code(), "bash -n: " + syntax.output());
    String scenario = "scenarios/quickstart.conf";
    List<List<String>> bad =
        List.of(
            List.of(),
            List.of(scenario),
            List.of("--nodes"),
            List.of("--nodes", "0", scenario),
            List.of("--nodes", "-1", scenario),
            List.of("--nodes", "two", scenario),
            List.of("--nodes=1.5", scenario),
            List.of("--nodes", "3"),
            List.of("--nodes", "3", "no-such-scenario.conf"),
            List.of("--nodes", "3", scenario, "--port", "7000"),
            List.of("--nodes", "3", scenario, "--seed-nodes=127.0.0.1:1"),
            List.of("--nodes", "3", scenario, "--min-members", "2"),
            // The members join at 127.0.0.1: a supervisor bound elsewhere drops their handshakes.
            List.of("--nodes", "3", scenario, "--bind", "0.0.0.0"),
            List.of("--nodes", "3", scenario, "--bind=127.0.0.2"),
            List.of("--nodes", "3", "--metrics-base-port"),
            List.of("--nodes", "3", "--metrics-base-port=", scenario),
            List.of("--nodes", "3", "--metrics-base-port", "9x", scenario),
            List.of("--nodes", "3", "--metrics-base-port", "0", scenario),
            List.of("--nodes", "3", "--metrics-base-port=65535", scenario), // member 2 at 65537
            List.of("--nodes", "3", "--metrics-base-port", "1000000", scenario),
            List.of("--frobnicate", scenario));
    // A launcher that does not exist: a usage error must stop the script before it builds or
    // starts anything, and would otherwise show as exit 1 instead of 2.
    Path launcher = tmp.resolve("no-launcher");
    for (List<String> args : bad) {
      List<String> command = new ArrayList<>(List.of(bash, "deploy/local-cluster.sh"));
      command.addAll(args);
      Path out = tmp.resolve("out.txt");
      Path err = tmp.resolve("err.txt");
      Result r =
          run(
              ROOT,
              Map.of("SPLITEMU_LAUNCHER", launcher.toString(), "TMPDIR", tmp.toString()),
              out,
              err,
              command);
      String stderr = Files.readString(err);
      assertEquals(2, r.code(), args + ": " + stderr);
      assertEquals("", Files.readString(out), args + " printed on stdout");
      assertEquals(1, stderr.strip().lines().count(), args + ": not one line: " + stderr);
      assertTrue(stderr.startsWith("local-cluster.sh: "), stderr);
    }
    try (Stream<Path> left = Files.list(tmp)) {
      assertTrue(
          left.noneMatch(p -> p.getFileName().toString().startsWith("splitemu-cluster.")),
          "a usage error left a log folder behind");
    }
  }

  @Test
  void shellScriptsPassShellcheck() throws Exception {
    String shellcheck = tool("shellcheck", "shellcheck");
    Result r = exec(ROOT, shellcheck, "deploy/local-cluster.sh", "deploy/splitemu-entrypoint.sh");
    assertEquals(0, r.code(), "shellcheck: " + r.output());
  }

  private record Result(int code, String output) {}

  /** Runs check-static.py on {@code copy}: it fails and reports each of {@code expected}. */
  private static void assertReported(Path copy, String python, String... expected)
      throws Exception {
    Result r = exec(copy, python, "deploy/check-static.py");
    assertEquals(1, r.code(), r.output());
    for (String e : expected) {
      assertTrue(r.output().contains(e), "not reported: " + e + "\n" + r.output());
    }
  }

  private static void edit(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " does not contain " + from);
    Files.writeString(file, text.replace(from, to));
  }

  /**
   * A copy of what the deploy files refer to (deploy/, grafana/, scenarios/, reference.conf) under
   * {@code tmp}, laid out as in the repository, for checks of broken variants.
   */
  private static Path copyOfDeploy(Path tmp) throws IOException {
    Path copy = tmp.resolve("repo");
    for (String dir : List.of("deploy", "grafana", "scenarios")) {
      copyTree(ROOT.resolve(dir), copy.resolve(dir));
    }
    Path ref = Path.of("actors/src/main/resources/reference.conf");
    Files.createDirectories(copy.resolve(ref).getParent());
    Files.copy(ROOT.resolve(ref), copy.resolve(ref));
    return copy;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** Runs a tool in {@code dir}, stdout and stderr together, failing it after a minute. */
  private static Result exec(Path dir, String... command) throws Exception {
    Path out = Files.createTempFile("splitemu-deploy-", ".txt");
    try {
      Result r = run(dir, Map.of(), out, out, List.of(command));
      return new Result(r.code(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static Result run(
      Path dir, Map<String, String> env, Path out, Path err, List<String> command)
      throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
    pb.environment().putAll(env);
    if (out.equals(err)) {
      pb.redirectErrorStream(true).redirectOutput(out.toFile());
    } else {
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    }
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      fail(command + " did not end within 60 s");
    }
    return new Result(p.exitValue(), "");
  }

  /** python3 with the yaml module, which check-static.py reads the files with. */
  private static String python() throws Exception {
    String python = tool("python3", "python3");
    Result r = exec(ROOT, python, "-c", "import yaml");
    if (r.code() != 0) {
      missing("python3 has no yaml module", "python3-yaml");
    }
    return python;
  }

  /** The executable {@code name} on PATH; if missing, a skip, or in CI a failure. */
  private static String tool(String name, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    missing("no " + name + " on PATH", debianPackage);
    return null;
  }

  private static void missing(String what, String debianPackage) {
    boolean ci =
        "true".equalsIgnoreCase(System.getenv("CI"))
            || !System.getProperty("splitemu.data", "").isBlank();
    String how = CiSuite.missing(what + " (Debian package " + debianPackage + ")");
    if (ci) {
      fail(how);
    }
    Assumptions.abort(how);
  }
}
