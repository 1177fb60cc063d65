using System;
using System.Collections.Generic;
using Xunit;

namespace NetCompiler.Tests.Training;

/// <summary>Learning-rate schedules: their formulas, their argument checks, and that an optimizer evaluates them at
/// its own step count.</summary>
public class LearningRateScheduleTests
{
    [Fact]
    public void ConstantIsTheSameAtEveryStepAndAFloatConvertsToIt()
    {
        var constant = new ConstantSchedule(0.25f);
        foreach (long step in new long[] { 0, 1, 17, 1_000_000 }) Assert.Equal(0.25f, constant.At(step));
        LearningRateSchedule converted = 0.125f;
        var asConstant = Assert.IsType<ConstantSchedule>(converted);
        Assert.Equal(0.125f, asConstant.LearningRate);
        Assert.Equal(0.125f, converted.At(42));
    }

    [Fact]
    public void StepDecaysByGammaEveryStepSizeUpdates()
    {
        var schedule = new StepSchedule(0.1f, stepSize: 3, gamma: 0.5f);
        for (long step = 0; step < 20; step++)
        {
            double expected = 0.1f * Math.Pow(0.5f, step / 3);
            Assert.True(Math.Abs(schedule.At(step) - expected) <= 1e-7 * expected, $"step {step}: {schedule.At(step)} vs {expected}");
        }
        Assert.Equal(schedule.At(0), schedule.At(2));
        Assert.NotEqual(schedule.At(2), schedule.At(3));
    }

    [Fact]
    public void CosineRunsFromTheRateToTheMinimumAndStaysThere()
    {
        var schedule = new CosineSchedule(1f, totalSteps: 10, minimum: 0.1f);
        Assert.Equal(1f, schedule.At(0), 6);
        Assert.Equal(0.55f, schedule.At(5), 6);
        Assert.Equal(0.1f, schedule.At(10), 6);
        Assert.Equal(0.1f, schedule.At(11), 6);
        Assert.Equal(0.1f, schedule.At(1000), 6);
        for (long step = 0; step <= 10; step++)
        {
            double expected = 0.1f + (1f - 0.1f) * 0.5 * (1 + Math.Cos(Math.PI * step / 10));
            Assert.True(Math.Abs(schedule.At(step) - expected) <= 1e-6, $"step {step}: {schedule.At(step)} vs {expected}");
            if (step > 0) Assert.True(schedule.At(step) < schedule.At(step - 1), $"not decreasing at step {step}");
        }
        Assert.Equal(0f, new CosineSchedule(0.5f, 4).At(4), 7);
    }

    [Fact]
    public void WarmupRampsLinearlyThenHandsOverToTheInnerScheduleFromItsStart()
    {
        var warm = new WarmupSchedule(4, new ConstantSchedule(0.2f));
        Assert.Equal(0.05f, warm.At(0), 6);
        Assert.Equal(0.10f, warm.At(1), 6);
        Assert.Equal(0.15f, warm.At(2), 6);
        Assert.Equal(0.20f, warm.At(3), 6);
        Assert.Equal(0.20f, warm.At(4), 6);
        Assert.Equal(0.20f, warm.At(100), 6);

        var inner = new StepSchedule(0.1f, stepSize: 2, gamma: 0.5f);
        var warmStep = new WarmupSchedule(2, inner);
        Assert.Equal(0.05f, warmStep.At(0), 6);
        Assert.Equal(0.10f, warmStep.At(1), 6);
        for (long s = 2; s < 12; s++) Assert.Equal(inner.At(s - 2), warmStep.At(s));
    }

    [Fact]
    public void InvalidArgumentsThrow()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(-0.1f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(float.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConstantSchedule(float.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => { LearningRateSchedule s = -1f; });
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, 0, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, -3, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, 3, -0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new StepSchedule(float.NaN, 3, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 10, -0.01f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CosineSchedule(-0.1f, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupSchedule(0, 0.1f));
        Assert.Throws<ArgumentNullException>(() => new WarmupSchedule(5, null!));
    }

    [Fact]
    public void DescriptionsMentionTheParameters()
    {
        Assert.Contains("cosine", new CosineSchedule(0.001f, 4690).ToString(), StringComparison.Ordinal);
        Assert.Contains("4690", new CosineSchedule(0.001f, 4690).ToString(), StringComparison.Ordinal);
        Assert.Contains("warmup", new WarmupSchedule(7, 0.1f).ToString(), StringComparison.Ordinal);
        Assert.Contains("0.5", new StepSchedule(0.1f, 3, 0.5f).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheOptimizerUsesTheScheduleAtItsStepCount()
    {
        // Plain SGD on p = 0 with a unit gradient moves p by exactly -lr: the change reveals the rate used.
        var recording = new RecordingSchedule();
        var optimizer = new Sgd(recording);
        var store = TrainingFixtures.Store(("w", [1]));
        store.Gradients[0] = 1f;
        for (int step = 0; step < 6; step++)
        {
            float before = store.Values[0];
            optimizer.Step(store);
            Assert.Equal(RecordingSchedule.Rate(step), before - store.Values[0], 6);
        }
        Assert.Equal([0L, 1, 2, 3, 4, 5], recording.Queried);

        // After a restore (checkpoint), the schedule continues from the restored step.
        optimizer.RestoreStepCount(40);
        recording.Queried.Clear();
        float last = store.Values[0];
        optimizer.Step(store);
        Assert.Equal([40L], recording.Queried);
        Assert.Equal(RecordingSchedule.Rate(40), last - store.Values[0], 5);
        Assert.Equal(41, optimizer.StepCount);
    }

    [Fact]
    public void AdamUsesTheScheduledRateForItsStepSize()
    {
        // With beta1 = beta2 = 0 and a unit gradient, Adam's step is lr / (1 + eps): the rate itself.
        var schedule = new StepSchedule(0.1f, stepSize: 2, gamma: 0.1f);
        var optimizer = new Adam(schedule, beta1: 0f, beta2: 0f, epsilon: 1e-8f);
        var store = TrainingFixtures.Store(("w", [3]));
        Array.Fill(store.Gradients, 1f);
        for (int step = 0; step < 5; step++)
        {
            float before = store.Values[0];
            optimizer.Step(store);
            Assert.Equal(schedule.At(step), before - store.Values[0], 5);
        }
    }

    /// <summary>A schedule that records which steps were asked for; its rate differs at every step.</summary>
    private sealed class RecordingSchedule : LearningRateSchedule
    {
        public List<long> Queried { get; } = [];

        public static float Rate(long step) => 0.01f * (step + 1);

        public override float At(long step)
        {
            Queried.Add(step);
            return Rate(step);
        }

        public override string ToString() => "recording";
    }
}
