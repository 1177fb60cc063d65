using System;
using System.Linq;
using System.Threading;
using NetCompiler.Definitions.Zoo;
using Xunit;

namespace NetCompiler.Tests.Zoo;

/// <summary>What the generated entry points refuse before they change anything: a learning rate that is NaN, infinite
/// or negative; class-index targets that are NaN, fractional or out of range; a second thread inside the same
/// instance. Each refusal must leave parameters and optimizer state bit-identical. Both code shapes are covered: the
/// per-sample network (ResidualMlpNet, update after backward) and the tiled one (TiledOddNet, update fused into the
/// last tile's backward).</summary>
public class EntryPointGuardTests
{
    public static TheoryData<string> Networks() => new() { nameof(ResidualMlpNet), nameof(TiledOddNet) };

    private static INetwork Create(string name) => name == nameof(TiledOddNet) ? new TiledOddNet(seed: 2) : new ResidualMlpNet(seed: 2);

    /// <summary>A batch of 35 samples with valid class indices: two tiles for the tiled network.</summary>
    private static (float[] X, float[] T) Batch(INetwork net, int batch = 35)
    {
        int inputs = net.InputShape.Aggregate(1, (a, b) => a * b), classes = net.OutputShape[^1];
        var rng = new Rng(7);
        return (Enumerable.Range(0, batch * inputs).Select(_ => rng.NextFloat() * 2 - 1).ToArray(),
                Enumerable.Range(0, batch).Select(_ => (float)rng.NextInt(classes)).ToArray());
    }

    [Theory, MemberData(nameof(Networks))]
    public void TrainStep_refuses_a_learning_rate_that_is_not_finite_and_non_negative(string network)
    {
        foreach (float rate in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.1f })
        {
            var net = Create(network);
            var (x, t) = Batch(net);
            var before = net.Parameters.Values.ToArray();
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(x, t, 35, rate));
            Assert.Equal("learningRate", e.ParamName);
            Assert.Contains("finite and not negative", e.Message);
            Assert.Equal(before, net.Parameters.Values);
            Assert.Throws<ArgumentOutOfRangeException>(() => Interpreter.TrainStep(net, x, t, 35, rate));
            Assert.Equal(before, net.Parameters.Values);
        }
        var ok = Create(network);
        var (x0, t0) = Batch(ok);
        ok.TrainStep(x0, t0, 35, 0f); // zero is a valid (if useless) rate
    }

    [Theory, MemberData(nameof(Networks))]
    public void TrainStep_refuses_class_indices_that_are_NaN_fractional_or_out_of_range_and_changes_nothing(string network)
    {
        foreach (float label in new[] { float.NaN, 1.5f, 0.25f, -1f, 3f, 1e9f, float.PositiveInfinity })
            foreach (int sample in new[] { 0, 34 }) // in the first tile, and in the last one where the update is fused
            {
                var net = Create(network);
                var (x, t) = Batch(net);
                t[sample] = label;
                var adam = new Adam(0.01f);
                var (x1, t1) = Batch(net);
                net.TrainStep(x1, t1, 35, adam);  // one good step first, so the optimizer has state to keep
                var values = net.Parameters.Values.ToArray();
                var moments = Enumerable.Range(0, adam.StateSlots.Count).Select(s => adam.GetState(s).ToArray()).ToArray();
                long steps = adam.StepCount;

                Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(x, t, 35, adam));
                Assert.Throws<ArgumentOutOfRangeException>(() => net.TrainStep(x, t, 35, 0.1f));
                Assert.Throws<ArgumentOutOfRangeException>(() => net.ComputeGradients(x, t, 35));
                Assert.Equal(values, net.Parameters.Values);
                Assert.Equal(steps, adam.StepCount);
                for (int s = 0; s < moments.Length; s++) Assert.Equal(moments[s], adam.GetState(s).ToArray());

                // The same step is still possible afterwards: the refusal left nothing half done.
                net.TrainStep(x1, t1, 35, adam);
                Assert.Equal(steps + 1, adam.StepCount);
            }
    }

    [Fact]
    public void A_schedule_that_returns_NaN_is_refused_before_any_parameter_changes()
    {
        var net = new TiledOddNet(seed: 2);
        var (x, t) = Batch(net);
        var before = net.Parameters.Values.ToArray();
        var optimizer = new Sgd(new CallbackSchedule(() => float.NaN));
        var e = Assert.Throws<InvalidOperationException>(() => net.TrainStep(x, t, 35, optimizer));
        Assert.Contains("NaN", e.Message);
        Assert.Equal(before, net.Parameters.Values);
        Assert.Equal(0, optimizer.StepCount);
    }

    [Theory, MemberData(nameof(Networks))]
    public void A_second_thread_inside_the_same_instance_gets_an_exception(string network)
    {
        var net = Create(network);
        var (x, t) = Batch(net);
        var outputs = new float[35 * net.OutputShape[^1]];
        Exception? seen = null;
        // The schedule is read inside TrainStep, so the second thread calls in while the first is certainly inside.
        var optimizer = new Sgd(new CallbackSchedule(() =>
        {
            var other = new Thread(() =>
            {
                try { net.Infer(x, outputs, 35); }
                catch (Exception e) { seen = e; }
            });
            other.Start();
            other.Join();
            return 0.01f;
        }));
        net.TrainStep(x, t, 35, optimizer);
        var refused = Assert.IsType<InvalidOperationException>(seen);
        Assert.Contains("Two threads used one " + network, refused.Message);
        Assert.Contains("CreateReplica", refused.Message);

        // Released afterwards, also after a call that threw: another thread may use it now.
        Assert.Throws<ArgumentOutOfRangeException>(() => net.Infer(x, outputs, 0));
        var later = new Thread(() => net.Infer(x, outputs, 35));
        seen = null;
        later.UnsafeStart();
        later.Join();
        Assert.Null(seen);
    }

    [Theory, MemberData(nameof(Networks))]
    public void A_second_thread_inside_the_same_network_on_the_interpreted_path_gets_an_exception(string network)
    {
        var net = Create(network);
        var (x, t) = Batch(net);
        var outputs = new float[35 * net.OutputShape[^1]];
        Exception? seen = null;
        var optimizer = new Sgd(new CallbackSchedule(() =>
        {
            var other = new Thread(() =>
            {
                try { Interpreter.ComputeGradients(net, x, t, 35); }
                catch (Exception e) { seen = e; }
            });
            other.Start();
            other.Join();
            return 0.01f;
        }));
        Interpreter.TrainStep(net, x, t, 35, optimizer);
        Assert.Contains("Two threads used one " + network, Assert.IsType<InvalidOperationException>(seen).Message);
        var later = new Thread(() => Interpreter.Infer(net, x, outputs, 35));   // released afterwards
        later.Start();
        later.Join();
    }

    [Fact]
    public void Replicas_may_run_on_two_threads_at_once()
    {
        var net = new TiledOddNet(seed: 2);
        var replica = net.CreateReplica();
        var (x, _) = Batch(net);
        var a = new float[35 * 3];
        var b = new float[35 * 3];
        var optimizer = new Sgd(new CallbackSchedule(() =>
        {
            var other = new Thread(() => replica.Infer(x, b, 35));
            other.Start();
            other.Join();
            return 0f;
        }));
        var (_, t) = Batch(net);
        net.TrainStep(x, t, 35, optimizer);   // rate 0: the replica's outputs are the network's
        net.Infer(x, a, 35);
        Assert.Equal(a, b);
    }

    /// <summary>A schedule that runs <paramref name="rate"/> each time the optimizer reads it.</summary>
    private sealed class CallbackSchedule(Func<float> rate) : LearningRateSchedule
    {
        public override float At(long step) => rate();
        public override string ToString() => "callback";
    }
}
