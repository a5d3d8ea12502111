%% timeJacobianRegularization -- MATLAB baseline for the jacreg benchmarks
%
% Times the training step of the network from the MATLAB documentation
% example "Train Robust Deep Learning Network with Jacobian Regularization"
% (Deep Learning Toolbox), without and with the Jacobian penalty, and the
% inference of a 5,000-image test set, then prints one JSON line per case,
% in the same format as bench/baselines/cpp/step_bench.cpp and
% bench/baselines/python/step_bench.py.
%
% Requires MATLAB R2021a or later and the Deep Learning Toolbox. Runs on the
% CPU. NOT run in the jacreg repository (no MATLAB there); see docs/performance.md.
%
% Usage: edit the settings below, then run
%     timeJacobianRegularization
% from this folder (or: matlab -batch "timeJacobianRegularization").
%
% Model (same as jacreg):
%   28x28x1 input, zero-centred with a per-pixel mean image
%   conv 5x5x20 -> BN -> ReLU
%   conv 3x3x20 (padding 1) -> BN -> ReLU
%   conv 3x3x20 (padding 1) -> BN -> ReLU
%   fully connected 10 -> softmax
% Loss: cross-entropy + lambda/2 * R, R = C*sum(G.^2,"all")/B with
% G = d(sum(V.*Z,"all"))/dX (one random projection V, unit columns), C = 10.
% Update: sgdmupdate (vel = m*vel - lr*grad; theta = theta + vel).

%% Settings
numThreads      = 1;      % maxNumCompThreads
numWarmup       = 20;     % training steps not timed
numIters        = 100;    % training steps timed
numInfWarmup    = 1;      % test-set passes not timed
numInfIters     = 3;      % test-set passes timed
inferenceChunk  = 500;    % images per predict call
smallOpCalls    = 200000; % calls of a + b on 1-element dlarrays (0 to skip)
seed            = 0;
useDigitsData   = false;  % true: digitTrain4DArrayData / digitTest4DArrayData
                          % instead of random uniform [0,1) images

miniBatchSize   = 32;
numPoolBatches  = 50;     % batches generated up front and cycled through
numTestImages   = 5000;
numClasses      = 10;
initialLearnRate = 0.01;
momentum        = 0.9;
jacobianRegularizationCoefficient = 1;

%% Set-up
maxNumCompThreads(numThreads);
rng(seed);
imageSize = [28 28 1];

if useDigitsData
    [XTrain,TTrainLabels] = digitTrain4DArrayData;
    XTrain = single(XTrain(:,:,:,1:miniBatchSize*numPoolBatches));
    trainLabels = double(TTrainLabels(1:miniBatchSize*numPoolBatches))';
    XTest = single(digitTest4DArrayData);
    XTest = XTest(:,:,:,1:numTestImages);
else
    XTrain = rand([imageSize miniBatchSize*numPoolBatches],"single");
    trainLabels = randi(numClasses,1,miniBatchSize*numPoolBatches);
    XTest = rand([imageSize numTestImages],"single");
end
% One-hot targets, numClasses x N.
TTrain = zeros(numClasses,numel(trainLabels),"single");
TTrain(sub2ind(size(TTrain),trainLabels,1:numel(trainLabels))) = 1;

% Fixed pool of formatted mini-batches (data preparation is not timed).
XPool = cell(1,numPoolBatches);
TPool = cell(1,numPoolBatches);
for i = 1:numPoolBatches
    idx = (i-1)*miniBatchSize + (1:miniBatchSize);
    XPool{i} = dlarray(XTrain(:,:,:,idx),"SSCB");
    TPool{i} = dlarray(TTrain(:,idx),"CB");
end

% Network, as in the documentation example. The mean image is a constant
% inside the network, so the Jacobian is with respect to the raw input.
layers = [
    imageInputLayer(imageSize,'Normalization','zerocenter','Mean',mean(XTrain,4))
    convolution2dLayer(5,20)
    batchNormalizationLayer
    reluLayer
    convolution2dLayer(3,20,'Padding',1)
    batchNormalizationLayer
    reluLayer
    convolution2dLayer(3,20,'Padding',1)
    batchNormalizationLayer
    reluLayer
    fullyConnectedLayer(numClasses)
    softmaxLayer];
% Default initialisers: 'glorot' weights, zero biases, BN scale 1 / offset 0.

results = strings(0);

%% Training step without the penalty
net = dlnetwork(layers);
velocity = [];
times = zeros(1,numIters);
for it = 1:(numWarmup + numIters)
    k = mod(it-1,numPoolBatches) + 1;
    tStart = tic;
    [loss,gradients,state] = dlfeval(@modelLoss,net,XPool{k},TPool{k});
    net.State = state;
    [net,velocity] = sgdmupdate(net,gradients,velocity,initialLearnRate,momentum);
    loss = extractdata(loss); %#ok<NASGU> % make sure the step has completed
    t = toc(tStart);
    if it > numWarmup
        times(it-numWarmup) = 1000*t;
    end
end
results(end+1) = jsonLine("step_plain",numThreads,times,numIters,"");

%% Training step with the Jacobian penalty
net = dlnetwork(layers);
velocity = [];
times = zeros(1,numIters);
for it = 1:(numWarmup + numIters)
    k = mod(it-1,numPoolBatches) + 1;
    tStart = tic;
    [loss,gradients,state] = dlfeval(@modelLossJacobian,net,XPool{k},TPool{k}, ...
        miniBatchSize,jacobianRegularizationCoefficient);
    net.State = state;
    [net,velocity] = sgdmupdate(net,gradients,velocity,initialLearnRate,momentum);
    loss = extractdata(loss); %#ok<NASGU>
    t = toc(tStart);
    if it > numWarmup
        times(it-numWarmup) = 1000*t;
    end
end
results(end+1) = jsonLine("step_jacobian",numThreads,times,numIters,"");

%% Inference of the test set (BN running statistics, no gradients)
% Uses the network trained above, like the example's test-set evaluation.
times = zeros(1,numInfIters);
for it = 1:(numInfWarmup + numInfIters)
    tStart = tic;
    predictions = zeros(1,numTestImages);
    for s = 1:inferenceChunk:numTestImages
        e = min(s + inferenceChunk - 1,numTestImages);
        Y = predict(net,dlarray(XTest(:,:,:,s:e),"SSCB"));
        [~,predictions(s:e)] = max(extractdata(Y),[],1);
    end
    t = toc(tStart);
    if it > numInfWarmup
        times(it-numInfWarmup) = 1000*t;
    end
end
results(end+1) = jsonLine("inference_test_set",numThreads,times,numInfIters, ...
    sprintf(',"chunk":%d,"images":%d',inferenceChunk,numTestImages));

%% Small op: a + b on two 1-element dlarrays
if smallOpCalls > 0
    a = dlarray(rand(1,"single"));
    b = dlarray(rand(1,"single"));
    for i = 1:10000
        c = a + b; %#ok<NASGU>
    end
    blockSize = 1000;
    numBlocks = max(1,floor(smallOpCalls/blockSize));
    perCallMs = zeros(1,numBlocks);
    for blk = 1:numBlocks
        tStart = tic;
        for i = 1:blockSize
            c = a + b; %#ok<NASGU>
        end
        perCallMs(blk) = 1000*toc(tStart)/blockSize;
    end
    results(end+1) = jsonLine("small_op",numThreads,perCallMs,numBlocks*blockSize, ...
        sprintf(',"us_per_call":%.6g,"block":%d',1000*median(perCallMs),blockSize));
end

%% Output: one JSON line per case
for i = 1:numel(results)
    fprintf("%s\n",results(i));
end

%% Model loss functions
function [loss,gradients,state] = modelLoss(net,X,T)
% Cross-entropy only: no penalty, no gradient with respect to X.
[Z,state] = forward(net,X);
loss = crossentropy(Z,T);
gradients = dlgradient(loss,net.Learnables);
end

function [loss,gradients,state] = modelLossJacobian(net,X,T,miniBatchSize,jacobianRegularizationCoefficient)
% Cross-entropy plus the Jacobian regularisation term (one projection),
% following the documentation example.
[Z,state] = forward(net,X);
lossCrossEntropy = crossentropy(Z,T);

numClasses = size(Z,1);
numProjections = 1;
regularizationTerm = 0;
for i = 1:numProjections
    % Random projection with unit-length columns (one per observation).
    v = randn(numClasses,miniBatchSize,"single");
    v = v./sqrt(sum(v.^2,1));
    % J'v by differentiating the projected output with respect to the input.
    Jv = dlgradient(sum(v.*Z,"all"),X,'EnableHigherDerivatives',true);
    regularizationTerm = regularizationTerm + ...
        numClasses*sum(Jv.^2,"all")/(numProjections*miniBatchSize);
end

loss = lossCrossEntropy + jacobianRegularizationCoefficient/2*regularizationTerm;
gradients = dlgradient(loss,net.Learnables);
end

%% Helpers
function line = jsonLine(caseName,numThreads,timesMs,iters,extra)
s = sort(timesMs(:));
n = numel(s);
pos = 0.9*(n-1);                  % p90 with linear interpolation (like numpy)
lo = floor(pos) + 1;
hi = min(lo + 1,n);
p90 = s(lo) + (s(hi) - s(lo))*(pos - (lo - 1));
line = sprintf(['{"impl":"matlab","case":"%s","threads":%d%s,"ms_median":%.6g,' ...
    '"ms_mean":%.6g,"ms_min":%.6g,"ms_p90":%.6g,"iters":%d,"matlab":"%s"}'], ...
    caseName,numThreads,extra,median(s),mean(s),s(1),p90,iters,version);
end
