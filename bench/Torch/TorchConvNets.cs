using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using TorchTensor = TorchSharp.torch.Tensor;

namespace NetCompiler.Bench;

// The TorchSharp twins of the zoo's convolutional networks, written as a TorchSharp user writes a model: a Module with
// its layers as fields and RegisterComponents(). The fields carry the zoo definitions' names (conv1, stemBn,
// stage2Down.projection, ...), so the state_dict names are NetCompiler's parameter and buffer names and
// TorchClassifier copies the weights by name. The layouts agree already: nn.Conv2d's weight is [out, in / groups, kh, kw]
// and nn.Linear's [out, in], as NetCompiler's Conv2D and Dense store them; BatchNorm2d's weight, bias,
// running_mean and running_var are [C] with momentum 0.1 and eps 1e-5 in both.
#pragma warning disable IDE1006, IDE0044 // field names are the state_dict names; RegisterComponents reads the fields

/// <summary>LeNet-5 as <c>definitions/Zoo/LeNet5.cs</c>: conv(1 -> 6, 5, padding 2) ReLU maxpool 2 -> conv(6 -> 16, 5)
/// ReLU maxpool 2 -> flatten 400 -> 120 ReLU -> 84 ReLU -> 10.</summary>
internal sealed class TorchLeNet5 : Module<TorchTensor, TorchTensor>
{
    private Conv2d conv1 = Conv2d(1, 6, 5, padding: 2);
    private Conv2d conv2 = Conv2d(6, 16, 5);
    private Linear fc1 = Linear(400, 120);
    private Linear fc2 = Linear(120, 84);
    private Linear fc3 = Linear(84, 10);

    public TorchLeNet5() : base(nameof(TorchLeNet5)) => RegisterComponents();

    public override TorchTensor forward(TorchTensor image)
    {
        var x = (image - 0.2860f) * (1f / 0.3530f);                              // standardized, as the zoo's LeNet5
        x = functional.max_pool2d(functional.relu(conv1.forward(x)), 2);           // [N, 6, 14, 14]
        x = functional.max_pool2d(functional.relu(conv2.forward(x)), 2);           // [N, 16, 5, 5]
        x = functional.relu(fc1.forward(x.flatten(1)));                            // [N, 120]
        x = functional.relu(fc2.forward(x));                                       // [N, 84]
        return fc3.forward(x);                                                     // [N, 10]
    }
}

/// <summary>torchvision's BasicBlock without downsampling, as the zoo's <c>BasicBlock16/32/64</c>:
/// y = ReLU(x + bn2(conv2(ReLU(bn1(conv1(x)))))), 3x3 convolutions without bias.</summary>
internal sealed class TorchBasicBlock : Module<TorchTensor, TorchTensor>
{
    private Conv2d conv1, conv2;
    private BatchNorm2d bn1, bn2;

    public TorchBasicBlock(int channels) : base(nameof(TorchBasicBlock))
    {
        conv1 = Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn1 = BatchNorm2d(channels);
        conv2 = Conv2d(channels, channels, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(channels);
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor x) =>
        functional.relu(x + bn2.forward(conv2.forward(functional.relu(bn1.forward(conv1.forward(x))))));
}

/// <summary>The zoo's <c>DownBlock32/64</c>: the first 3x3 convolution strides by 2, the shortcut is a 1x1 stride-2
/// projection with batch norm.</summary>
internal sealed class TorchDownBlock : Module<TorchTensor, TorchTensor>
{
    private Conv2d conv1, conv2, projection;
    private BatchNorm2d bn1, bn2, projectionBn;

    public TorchDownBlock(int inChannels, int outChannels) : base(nameof(TorchDownBlock))
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: 2, padding: 1, bias: false);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        projection = Conv2d(inChannels, outChannels, 1, stride: 2, bias: false);
        projectionBn = BatchNorm2d(outChannels);
        RegisterComponents();
    }

    public override TorchTensor forward(TorchTensor x) =>
        functional.relu(projectionBn.forward(projection.forward(x)) + bn2.forward(conv2.forward(functional.relu(bn1.forward(conv1.forward(x))))));
}

/// <summary>ResNetSmall as <c>definitions/Zoo/ResNetSmall.cs</c>: 3x3 stem (16, BN, ReLU), two 16-channel blocks,
/// a 16 -> 32 down block and a 32-channel block, a 32 -> 64 down block and a 64-channel block, global average pool,
/// 64 -> 10.</summary>
internal sealed class TorchResNetSmall : Module<TorchTensor, TorchTensor>
{
    private Conv2d stem = Conv2d(1, 16, 3, padding: 1, bias: false);
    private BatchNorm2d stemBn = BatchNorm2d(16);
    private ModuleList<TorchBasicBlock> stage1 = ModuleList(new TorchBasicBlock(16), new TorchBasicBlock(16));
    private TorchDownBlock stage2Down = new(16, 32);
    private TorchBasicBlock stage2 = new(32);
    private TorchDownBlock stage3Down = new(32, 64);
    private TorchBasicBlock stage3 = new(64);
    private Linear fc = Linear(64, 10);

    public TorchResNetSmall() : base(nameof(TorchResNetSmall)) => RegisterComponents();

    public override TorchTensor forward(TorchTensor image)
    {
        var x = (image - 0.2860f) * (1f / 0.3530f);                     // standardized, as the zoo's ResNetSmall
        x = functional.relu(stemBn.forward(stem.forward(x)));           // [N, 16, 28, 28]
        foreach (var block in stage1) x = block.forward(x);
        x = stage2.forward(stage2Down.forward(x));                     // [N, 32, 14, 14]
        x = stage3.forward(stage3Down.forward(x));                     // [N, 64, 7, 7]
        return fc.forward(functional.adaptive_avg_pool2d(x, 1).flatten(1));   // [N, 10]
    }
}
