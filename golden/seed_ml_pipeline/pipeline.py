"""Seed case: the ML training pipeline from the KFP guide, copied verbatim.

Source: /work/shared/seed/kubeflow-pipelines-guide.md ("Creating Pipeline
Components" and "Pipeline Authoring and Composition" sections). The
components preprocess_data, train_model, evaluate_model, deploy_model and the
`ml_pipeline` pipeline are unchanged (including their python:3.10-slim base
images and packages_to_install).

Exercises: the "real world" shape users start from - pipeline parameters
with and without defaults (raw_data_path has none), InputPath/OutputPath
artifacts ('Dataset', 'Model') passed between Python components, a float, a
dict (STRUCT) and a bool return value, an artifact consumed by two
downstream tasks, and a legacy `dsl.Condition(eval_task.output == True,
name='deploy-if-good')` gate on a boolean output.

Only deviations from the guide: the module-level `compiler.Compiler().compile
(...)` call is moved under `if __name__ == '__main__'` (so importing this
module has no side effects), and `pipeline = ml_pipeline` is added because
golden/build_ir.py compiles the object named `pipeline`.
"""
from kfp import dsl
from kfp import compiler

# Define a lightweight Python component
# The decorator converts this function into a pipeline component
@dsl.component(
    base_image='python:3.10-slim',  # Container image to use
    packages_to_install=['pandas', 'scikit-learn']  # Dependencies
)
def preprocess_data(
    input_path: str,
    output_path: dsl.OutputPath('Dataset')  # Output artifact
) -> float:
    """Load and preprocess data, return row count."""
    import pandas as pd
    from sklearn.preprocessing import StandardScaler

    # Load raw data
    df = pd.read_csv(input_path)

    # Basic preprocessing
    df = df.dropna()

    # Scale numeric columns
    scaler = StandardScaler()
    numeric_cols = df.select_dtypes(include=['float64', 'int64']).columns
    df[numeric_cols] = scaler.fit_transform(df[numeric_cols])

    # Save processed data
    df.to_csv(output_path, index=False)

    return float(len(df))


# Training component example
@dsl.component(
    base_image='python:3.10-slim',
    packages_to_install=['pandas', 'scikit-learn', 'joblib']
)
def train_model(
    data_path: dsl.InputPath('Dataset'),  # Input from previous step
    model_path: dsl.OutputPath('Model'),  # Output model artifact
    n_estimators: int = 100,
    max_depth: int = 10
) -> dict:
    """Train a RandomForest model and return metrics."""
    import pandas as pd
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import train_test_split
    from sklearn.metrics import accuracy_score, f1_score
    import joblib

    # Load preprocessed data
    df = pd.read_csv(data_path)
    X = df.drop('target', axis=1)
    y = df['target']

    # Split data
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=42
    )

    # Train model
    model = RandomForestClassifier(
        n_estimators=n_estimators,
        max_depth=max_depth,
        random_state=42
    )
    model.fit(X_train, y_train)

    # Evaluate
    predictions = model.predict(X_test)
    accuracy = accuracy_score(y_test, predictions)
    f1 = f1_score(y_test, predictions, average='weighted')

    # Save model
    joblib.dump(model, model_path)

    # Return metrics as dict
    return {
        'accuracy': float(accuracy),
        'f1_score': float(f1),
        'train_samples': len(X_train),
        'test_samples': len(X_test)
    }


# Evaluation component
@dsl.component(
    base_image='python:3.10-slim',
    packages_to_install=['pandas', 'scikit-learn', 'joblib']
)
def evaluate_model(
    model_path: dsl.InputPath('Model'),
    test_data_path: dsl.InputPath('Dataset'),
    threshold: float = 0.8
) -> bool:
    """Evaluate model and return whether it passes the threshold."""
    import pandas as pd
    import joblib

    model = joblib.load(model_path)
    df = pd.read_csv(test_data_path)
    X = df.drop('target', axis=1)
    y = df['target']

    accuracy = model.score(X, y)
    print(f'Model accuracy: {accuracy:.4f}')

    return accuracy >= threshold


# Deployment component
@dsl.component(base_image='python:3.10-slim')
def deploy_model(
    model_path: dsl.InputPath('Model'),
    endpoint_name: str
) -> str:
    """Deploy model to serving endpoint."""
    # In practice, this would call your model serving infrastructure
    print(f'Deploying model to endpoint: {endpoint_name}')
    return f'https://serving.example.com/{endpoint_name}'


# Full pipeline definition
@dsl.pipeline(
    name='ml-training-pipeline',
    description='End-to-end ML pipeline with preprocessing, training, evaluation, and deployment'
)
def ml_pipeline(
    raw_data_path: str,
    n_estimators: int = 100,
    max_depth: int = 10,
    accuracy_threshold: float = 0.8,
    endpoint_name: str = 'model-v1'
):
    # Step 1: Preprocess data
    preprocess_task = preprocess_data(input_path=raw_data_path)

    # Step 2: Train model (depends on preprocessing)
    train_task = train_model(
        data_path=preprocess_task.outputs['output_path'],
        n_estimators=n_estimators,
        max_depth=max_depth
    )

    # Step 3: Evaluate model
    eval_task = evaluate_model(
        model_path=train_task.outputs['model_path'],
        test_data_path=preprocess_task.outputs['output_path'],
        threshold=accuracy_threshold
    )

    # Step 4: Conditional deployment
    with dsl.Condition(eval_task.output == True, name='deploy-if-good'):
        deploy_model(
            model_path=train_task.outputs['model_path'],
            endpoint_name=endpoint_name
        )


# golden/build_ir.py compiles the object named `pipeline`.
pipeline = ml_pipeline


if __name__ == '__main__':
    # Compile the pipeline
    compiler.Compiler().compile(
        pipeline_func=ml_pipeline,
        package_path='ml_pipeline.yaml'
    )
